"""CitySteward (市政管家): grid-based urban governance."""

__version__ = "0.1.0"
