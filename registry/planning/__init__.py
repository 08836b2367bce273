"""Planning together: co-build groups, the public open directory and sharing KPIs."""
