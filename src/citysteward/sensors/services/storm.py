"""Storm grouping (汛期): while a flood event is active, water-level alarms are raised under it, so the
event's cases are one query (FIELDWORK.md §2.3: cases raised during the event tagged `flood_event_id`).

Which event is active is the flood context's to say. Until it offers a service, the source is a seam:
`use_flood_event_source(rt, source)` installs one (tests and the flood context's wiring do); without
one, no event is active and alarms are raised one by one."""

from __future__ import annotations

from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import FloodEventRef
from citysteward.sensors.ports import FloodEventSource

_KEY = "sensors.flood_event_source"


def _none(rt: Runtime) -> FloodEventRef | None:
    return None


def _holder() -> list[FloodEventSource]:
    return [_none]


def use_flood_event_source(rt: Runtime, source: FloodEventSource) -> None:
    holder: list[FloodEventSource] = rt.singleton(_KEY, _holder)
    holder[0] = source


def active_flood_event(rt: Runtime) -> FloodEventRef | None:
    holder: list[FloodEventSource] = rt.singleton(_KEY, _holder)
    return holder[0](rt)
