"""The component registry (部件): bulk import with a report of rejected rows, nearest components of a
class, the map layer, a component's page, and what a case does to its component (link, close).

For other contexts (flood, sensors, cases): `component_by_id`, `component_by_code`,
`nearest_components(rt, class_code, lon, lat)`. One module per concept; every name is re-exported here.
"""

from __future__ import annotations

from citysteward.assets.services.components.importing import (
    _SOURCE_BY_LABEL as _SOURCE_BY_LABEL,
)
from citysteward.assets.services.components.importing import (  # noqa: F401
    IMPORTERS as IMPORTERS,
)
from citysteward.assets.services.components.importing import (
    MAP_POINT_LIMIT as MAP_POINT_LIMIT,
)
from citysteward.assets.services.components.importing import (
    MAX_IMPORT_ROWS as MAX_IMPORT_ROWS,
)
from citysteward.assets.services.components.importing import (
    MAX_REJECTS_SHOWN as MAX_REJECTS_SHOWN,
)
from citysteward.assets.services.components.importing import (
    ImportReport as ImportReport,
)
from citysteward.assets.services.components.importing import (
    Rejected as Rejected,
)
from citysteward.assets.services.components.importing import (
    _date as _date,
)
from citysteward.assets.services.components.importing import (
    _parse_row as _parse_row,
)
from citysteward.assets.services.components.importing import (
    _place as _place,
)
from citysteward.assets.services.components.importing import (
    _text as _text,
)
from citysteward.assets.services.components.importing import (
    _with as _with,
)
from citysteward.assets.services.components.importing import (
    component_classes as component_classes,
)
from citysteward.assets.services.components.importing import (
    csv_to_rows as csv_to_rows,
)
from citysteward.assets.services.components.importing import (
    features_to_rows as features_to_rows,
)
from citysteward.assets.services.components.importing import (
    import_components as import_components,
)
from citysteward.assets.services.components.on_cases import (
    case_closed as case_closed,
)
from citysteward.assets.services.components.on_cases import (
    case_components as case_components,
)
from citysteward.assets.services.components.on_cases import (  # noqa: F401
    check_component as check_component,
)
from citysteward.assets.services.components.on_cases import (
    link_case as link_case,
)
from citysteward.assets.services.components.on_cases import (
    set_state as set_state,
)
from citysteward.assets.services.components.reading import (
    ComponentPage as ComponentPage,
)
from citysteward.assets.services.components.reading import (
    Nearby as Nearby,
)
from citysteward.assets.services.components.reading import (
    class_counts as class_counts,
)
from citysteward.assets.services.components.reading import (
    component_by_code as component_by_code,
)
from citysteward.assets.services.components.reading import (  # noqa: F401
    component_by_id as component_by_id,
)
from citysteward.assets.services.components.reading import (
    component_page as component_page,
)
from citysteward.assets.services.components.reading import (
    list_components as list_components,
)
from citysteward.assets.services.components.reading import (
    map_layer as map_layer,
)
from citysteward.assets.services.components.reading import (
    nearest_components as nearest_components,
)
