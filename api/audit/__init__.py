"""Audit: the append-only history of every state change."""
