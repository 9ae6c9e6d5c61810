"""ASGI entry for uvicorn workers: settings from the environment."""

from __future__ import annotations

from citysteward.bootstrap import create_app

app = create_app()
