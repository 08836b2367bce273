"""The inbox: events for the caller's organisation."""
