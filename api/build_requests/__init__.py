"""Build requests: planned sites and routes, matched at once, queued for approvers."""
