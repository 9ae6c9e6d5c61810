"""The whole schema: every context's tables on the one shared `metadata`. Alembic's environment and
the migration drift check read it from here, so a context's new table is seen as soon as its
`tables` module is listed below."""

from __future__ import annotations

from citysteward.assets import tables as assets_tables
from citysteward.campaigns import tables as campaigns_tables
from citysteward.cases import tables as cases_tables
from citysteward.catalogue import tables as catalogue_tables
from citysteward.citizens import tables as citizens_tables
from citysteward.evaluation import tables as evaluation_tables
from citysteward.flood import tables as flood_tables
from citysteward.geography import tables as geography_tables
from citysteward.notify import tables as notify_tables
from citysteward.open311 import tables as open311_tables
from citysteward.org import tables as org_tables
from citysteward.patrols import tables as patrols_tables
from citysteward.platform import tables as platform_tables
from citysteward.platform.db import metadata
from citysteward.sensors import tables as sensors_tables
from citysteward.subsurface import tables as subsurface_tables
from citysteward.supervision import tables as supervision_tables
from citysteward.worktime import tables as worktime_tables

CONTEXT_TABLES = (platform_tables, org_tables, geography_tables, catalogue_tables, worktime_tables, notify_tables, assets_tables,
                  cases_tables, supervision_tables, patrols_tables, evaluation_tables, open311_tables, campaigns_tables,
                  subsurface_tables, flood_tables, citizens_tables, sensors_tables)

__all__ = ["CONTEXT_TABLES", "metadata"]
