"""Authentication (bearer tokens) and endpoint rules for the web layer."""
