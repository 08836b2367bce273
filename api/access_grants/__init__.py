"""Access grants: area- and time-limited full-precision access, as in Infrastrukturatlas."""
