"""flood: use cases of the flood season — events and response levels, warnings, duty, 易涝点,
deployments, depth observations, materials, event-tagged cases, the pre-flood checklist, figures.
One module per concept; every name is re-exported here, so callers keep `services.<name>`."""

from __future__ import annotations

from citysteward.flood.services.common import (
    MAX_COUNT as MAX_COUNT,
)
from citysteward.flood.services.common import (  # noqa: F401
    SETTINGS_KEY as SETTINGS_KEY,
)
from citysteward.flood.services.common import (
    _can_declare as _can_declare,
)
from citysteward.flood.services.common import (
    _can_read as _can_read,
)
from citysteward.flood.services.common import (
    _can_record as _can_record,
)
from citysteward.flood.services.common import (
    _count as _count,
)
from citysteward.flood.services.common import (
    _enum as _enum,
)
from citysteward.flood.services.common import (
    _event as _event,
)
from citysteward.flood.services.common import (
    _moment as _moment,
)
from citysteward.flood.services.common import (
    _num as _num,
)
from citysteward.flood.services.common import (
    _text as _text,
)
from citysteward.flood.services.common import (
    _unit as _unit,
)
from citysteward.flood.services.common import (
    rules as rules,
)
from citysteward.flood.services.common import (
    set_rules as set_rules,
)
from citysteward.flood.services.events import (
    _change_level as _change_level,
)
from citysteward.flood.services.events import (
    active_event as active_event,
)
from citysteward.flood.services.events import (
    add_duty as add_duty,
)
from citysteward.flood.services.events import (
    close_event as close_event,
)
from citysteward.flood.services.events import (
    declare_level as declare_level,
)
from citysteward.flood.services.events import (
    duty_day as duty_day,
)
from citysteward.flood.services.events import (  # noqa: F401
    open_event as open_event,
)
from citysteward.flood.services.events import (
    record_warning as record_warning,
)
from citysteward.flood.services.points import (  # noqa: F401
    _position as _position,
)
from citysteward.flood.services.points import (
    add_deployment as add_deployment,
)
from citysteward.flood.services.points import (
    add_material as add_material,
)
from citysteward.flood.services.points import (
    add_observation as add_observation,
)
from citysteward.flood.services.points import (
    add_point as add_point,
)
from citysteward.flood.services.points import (
    clear_point as clear_point,
)
from citysteward.flood.services.points import (
    materials as materials,
)
from citysteward.flood.services.points import (
    move_material as move_material,
)
from citysteward.flood.services.points import (
    point as point,
)
from citysteward.flood.services.points import (
    points as points,
)
from citysteward.flood.services.points import (
    tag_cases as tag_cases,
)
from citysteward.flood.services.points import (
    tag_event_window as tag_event_window,
)
from citysteward.flood.services.reading import (
    _level_label as _level_label,
)
from citysteward.flood.services.reading import (  # noqa: F401
    add_check as add_check,
)
from citysteward.flood.services.reading import (
    checklist as checklist,
)
from citysteward.flood.services.reading import (
    command as command,
)
from citysteward.flood.services.reading import (
    figures as figures,
)
from citysteward.flood.services.reading import (
    list_events as list_events,
)
from citysteward.flood.services.reading import (
    record_check as record_check,
)
from citysteward.flood.services.reading import (
    season_figures as season_figures,
)
