"""ASGI entry for uvicorn workers: settings from the environment."""

from __future__ import annotations

from citysteward.bootstrap import create_app

app = create_app(settle_heap=True)  # one application per worker process: its start-up heap is frozen
