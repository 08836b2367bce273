"""Matching: what existing asset could be shared instead of building new."""
