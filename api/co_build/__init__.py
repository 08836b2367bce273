"""Co-build groups: overlapping build requests of several organisations, decided together."""
