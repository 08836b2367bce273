"""Services: every write to the registry goes through one of these functions."""
