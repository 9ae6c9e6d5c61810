"""campaigns: pure rules and dataclasses (no database, no web)."""

from __future__ import annotations
