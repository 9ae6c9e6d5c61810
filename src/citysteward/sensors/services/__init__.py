"""sensors: use cases over the unit of work (devices, ingestion, the offline sweep, statistics)."""
