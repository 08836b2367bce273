"""The open directory, readable without a token at /open/v1."""
