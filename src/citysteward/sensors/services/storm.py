"""Storm grouping (汛期): while a flood event is active, alarms of the alarm types marked `flood` (water
on roads) are raised under it: the case description names the event, the case is tagged to it in the
flood context's own register (`flood_event_cases`, in the same transaction) and the alarm episode keeps
its id, so "the cases of this storm" is one query (FIELDWORK.md §2.3).

Which event is active is the flood context's to say (`flood.services.active_event`); the source can be
replaced (`use_flood_event_source`) by a city that runs its flood events elsewhere, and by tests."""

from __future__ import annotations

from citysteward.flood import services as flood_services
from citysteward.platform.runtime import Runtime
from citysteward.sensors.domain import FloodEventRef
from citysteward.sensors.ports import FloodEventSource

_KEY = "sensors.flood_event_source"


def from_flood_context(rt: Runtime) -> FloodEventRef | None:
    event = flood_services.active_event(rt)
    return FloodEventRef(int(event["id"]), str(event["name"])) if event else None


def _holder() -> list[FloodEventSource]:
    return [from_flood_context]


def use_flood_event_source(rt: Runtime, source: FloodEventSource) -> None:
    holder: list[FloodEventSource] = rt.singleton(_KEY, _holder)
    holder[0] = source


def active_flood_event(rt: Runtime) -> FloodEventRef | None:
    holder: list[FloodEventSource] = rt.singleton(_KEY, _holder)
    return holder[0](rt)
