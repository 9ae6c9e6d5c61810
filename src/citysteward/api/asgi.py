"""ASGI entry for uvicorn workers: settings from the environment."""

from citysteward.api.app import create_app

app = create_app()
