"""The case enums templates read labels and colours from: templates never spell a label."""

from __future__ import annotations

from typing import Any

from citysteward.cases.domain.model import Action, CaseState, Satisfaction, Source
from citysteward.catalogue.domain.categories import Urgency
from citysteward.kernel.deadlines import Light

TEMPLATE_GLOBALS: dict[str, Any] = {
    "state_of": CaseState, "source_of": Source, "urgency_of": Urgency, "action_of": Action,
    "satisfaction_of": Satisfaction, "light_of": lambda v: Light(v) if v else None,
}
