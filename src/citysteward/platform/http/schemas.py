"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
