"""Request bodies of the REST API (Pydantic); responses are plain dicts from services."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExtensionBody(Strict):
    """A time limit or an extension: an amount in working hours, working days or natural hours."""

    amount: float = Field(gt=0, le=10000)
    unit: Literal["working_hours", "working_days", "natural_hours"]
