"""patrols: use cases over the unit of work."""
