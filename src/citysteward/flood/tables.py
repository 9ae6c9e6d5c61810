"""Tables of the flood context, on the shared metadata."""

from __future__ import annotations

from citysteward.platform.db import metadata

__all__ = ["metadata"]
