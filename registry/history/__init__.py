"""History: the change feed and the append-only audit log."""
