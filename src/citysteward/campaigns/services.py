"""campaigns: use cases over the unit of work."""

from __future__ import annotations
