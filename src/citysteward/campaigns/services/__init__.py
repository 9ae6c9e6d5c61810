"""campaigns: use cases over the unit of work."""
