"""subsurface: use cases over the unit of work — surveys, defects and their re-surveys, treatment with
deadlines from the configured table, overdue treatments raised as supervision tickets, the dashboard.
One module per concept; every name is re-exported here, so callers keep `services.<name>`."""

from __future__ import annotations

from citysteward.subsurface.services.common import (
    REMEDIES as REMEDIES,
)
from citysteward.subsurface.services.common import (  # noqa: F401
    SETTINGS_KEY as SETTINGS_KEY,
)
from citysteward.subsurface.services.common import (
    _can_read as _can_read,
)
from citysteward.subsurface.services.common import (
    _can_write as _can_write,
)
from citysteward.subsurface.services.common import (
    _day as _day,
)
from citysteward.subsurface.services.common import (
    _enum as _enum,
)
from citysteward.subsurface.services.common import (
    _num as _num,
)
from citysteward.subsurface.services.common import (
    _text as _text,
)
from citysteward.subsurface.services.common import (
    rules as rules,
)
from citysteward.subsurface.services.common import (
    set_rules as set_rules,
)
from citysteward.subsurface.services.defects import (
    _check_version as _check_version,
)
from citysteward.subsurface.services.defects import (
    _event as _event,
)
from citysteward.subsurface.services.defects import (
    _load as _load,
)
from citysteward.subsurface.services.defects import (
    _local_day as _local_day,
)
from citysteward.subsurface.services.defects import (
    _measure as _measure,
)
from citysteward.subsurface.services.defects import (
    _position as _position,
)
from citysteward.subsurface.services.defects import (  # noqa: F401
    create_survey as create_survey,
)
from citysteward.subsurface.services.defects import (
    defect_action as defect_action,
)
from citysteward.subsurface.services.defects import (
    list_surveys as list_surveys,
)
from citysteward.subsurface.services.defects import (
    record_defect as record_defect,
)
from citysteward.subsurface.services.defects import (
    resurvey as resurvey,
)
from citysteward.subsurface.services.reading import (
    _filters as _filters,
)
from citysteward.subsurface.services.reading import (  # noqa: F401
    _row_view as _row_view,
)
from citysteward.subsurface.services.reading import (
    dashboard as dashboard,
)
from citysteward.subsurface.services.reading import (
    defect_detail as defect_detail,
)
from citysteward.subsurface.services.reading import (
    list_defects as list_defects,
)
from citysteward.subsurface.services.reading import (
    map_features as map_features,
)
from citysteward.subsurface.services.reading import (
    parse_roads as parse_roads,
)
from citysteward.subsurface.services.reading import (
    resurveys_due as resurveys_due,
)
from citysteward.subsurface.services.reading import (
    rules_view as rules_view,
)
from citysteward.subsurface.services.reading import (
    summarise as summarise,
)
from citysteward.subsurface.services.treatment import (
    add_photo as add_photo,
)
from citysteward.subsurface.services.treatment import (
    complete_treatment as complete_treatment,
)
from citysteward.subsurface.services.treatment import (
    escalate_overdue as escalate_overdue,
)
from citysteward.subsurface.services.treatment import (
    photo_file as photo_file,
)
from citysteward.subsurface.services.treatment import (  # noqa: F401
    start_treatment as start_treatment,
)
