"""Tables of the assets context, on the shared metadata: roads, components and their history,
maintenance work orders with their quantities, and night lighting checks.

Every list filter has an index ending in the primary key; the totals read `work_quantities`, which
carries the order's unit, district and completion time so a month's sums are one index range.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, Table

from citysteward.platform.db import ID, TS, metadata

roads = Table(
    "roads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("road_class", String(16), nullable=False),
    Column("district_code", String(6), nullable=True),
    Column("geometry", JSON, nullable=False),  # GeoJSON LineString / MultiLineString, WGS-84
    Column("length_m", Float, nullable=False),
    Column("managing_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("maintaining_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("handed_over", Boolean, nullable=False, default=True),
    Column("interim_body", String(100), nullable=False, default=""),
    Column("generated", Boolean, nullable=False, default=False),
    Column("note", String(400), nullable=False, default=""),
    Column("updated_at", TS, nullable=False),
    Index("ix_roads_class_id", "road_class", "id"),
    Index("ix_roads_handed_over_id", "handed_over", "id"),
    Index("ix_roads_district_id", "district_code", "id"),
)

components = Table(
    "components",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(17), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("class_code", String(8), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("cell", String(16), nullable=False),  # H3 res 9: nearest components on any database
    Column("state", String(16), nullable=False),
    Column("grid_code", String(15), nullable=True),
    Column("road_id", ID, ForeignKey("roads.id", ondelete="SET NULL"), nullable=True),
    Column("department", String(100), nullable=False, default=""),
    Column("owner", String(100), nullable=False, default=""),
    Column("maintainer", String(100), nullable=False, default=""),
    Column("maintainer_unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("initial_date", Date, nullable=True),
    Column("changed_at", TS, nullable=True),
    Column("data_source", String(16), nullable=False),
    Column("attributes", JSON, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Index("ix_components_class_cell_id", "class_code", "cell", "id"),
    Index("ix_components_class_state_id", "class_code", "state", "id"),
    Index("ix_components_state_id", "state", "id"),
    Index("ix_components_class_lat_id", "class_code", "lat", "id"),
    Index("ix_components_grid_id", "grid_code", "id"),
    Index("ix_components_road_id", "road_id", "id"),
)

component_history = Table(
    "component_history",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("component_id", ID, ForeignKey("components.id", ondelete="CASCADE"), nullable=False),
    Column("at", TS, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state_from", String(16), nullable=True),
    Column("state_to", String(16), nullable=True),
    Column("case_id", ID, nullable=True),  # cases sit above assets: a plain reference, no foreign key
    Column("case_no", String(32), nullable=True),
    Column("work_order_id", ID, nullable=True),
    Column("note", String(400), nullable=False, default=""),
    Column("actor", String(64), nullable=False, default=""),
    Index("ix_component_history_component_id", "component_id", "id"),
    Index("ix_component_history_case_id", "case_id", "id"),
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("unit_id", ID, ForeignKey("units.id"), nullable=True),
    Column("team", String(100), nullable=False, default=""),
    Column("crew", Integer, nullable=False, default=0),
    Column("equipment", String(200), nullable=False, default=""),
    Column("district_code", String(6), nullable=True),
    Column("road_id", ID, ForeignKey("roads.id", ondelete="SET NULL"), nullable=True),
    Column("component_id", ID, ForeignKey("components.id", ondelete="SET NULL"), nullable=True),
    Column("case_no", String(32), nullable=True),
    Column("planned_on", Date, nullable=True),
    Column("done_at", TS, nullable=True),
    Column("note", String(1000), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(64), nullable=False, default=""),
    Index("ix_work_orders_status_id", "status", "id"),
    Index("ix_work_orders_unit_id", "unit_id", "id"),
    Index("ix_work_orders_district_id", "district_code", "id"),
    Index("ix_work_orders_done_at_id", "done_at", "id"),
    Index("ix_work_orders_component_id", "component_id", "id"),
    Index("ix_work_orders_case_no_id", "case_no", "id"),
)

work_quantities = Table(
    "work_quantities",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("work_order_id", ID, ForeignKey("work_orders.id", ondelete="CASCADE"), nullable=False),
    Column("work_type", String(16), nullable=False),
    Column("amount", Float, nullable=False),
    Column("watts_before", Float, nullable=True),
    Column("watts_after", Float, nullable=True),
    # the order's, copied so a period's totals are one range scan (null until the work is done)
    Column("done_at", TS, nullable=True),
    Column("unit_id", ID, nullable=True),
    Column("district_code", String(6), nullable=True),
    Index("ix_work_quantities_order_id", "work_order_id", "id"),
    Index("ix_work_quantities_done_type_id", "done_at", "work_type", "id"),
    Index("ix_work_quantities_unit_done_id", "unit_id", "done_at", "id"),
    Index("ix_work_quantities_district_done_id", "district_code", "done_at", "id"),
)

lighting_checks = Table(
    "lighting_checks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("checked_on", Date, nullable=False),
    Column("road_id", ID, ForeignKey("roads.id", ondelete="CASCADE"), nullable=False),
    Column("lamps", Integer, nullable=False),
    Column("dark", Integer, nullable=False),
    Column("method", String(16), nullable=False),  # night patrol (夜巡) | controller (单灯/回路)
    Column("note", String(200), nullable=False, default=""),
    Column("created_at", TS, nullable=False),
    Index("ix_lighting_checks_on_id", "checked_on", "id"),
    Index("ix_lighting_checks_road_on_id", "road_id", "checked_on", "id"),
)
