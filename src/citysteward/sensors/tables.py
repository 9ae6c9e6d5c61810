"""Tables of the sensors context, on the shared metadata.

`sensor_messages` is both the readings history and the idempotency ledger: (device, message id) is
unique, so a message redelivered after a restart is found and not applied twice."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from citysteward.platform.db import ID, TS, metadata

sensor_devices = Table(
    "sensor_devices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("owner_unit_id", ID, ForeignKey("units.id"), nullable=False),
    Column("alarm_rules", JSON, nullable=False),
    Column("heartbeat_s", Integer, nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("address", String(200), nullable=False, default=""),
    Column("component_id", ID, nullable=True),
    Column("waterlog_point_id", ID, nullable=True),
    Column("secret_hash", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("last_seen_at", TS, nullable=True),
    Column("created_at", TS, nullable=False),
    Index("ix_sensor_devices_kind_id", "kind", "id"),
    Index("ix_sensor_devices_state_id", "state", "id"),
    Index("ix_sensor_devices_owner_unit_id_id", "owner_unit_id", "id"),
    Index("ix_sensor_devices_active_last_seen_at_id", "active", "last_seen_at", "id"),
)

sensor_messages = Table(
    "sensor_messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("device_id", ID, ForeignKey("sensor_devices.id", ondelete="CASCADE"), nullable=False),
    Column("msg_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("at", TS, nullable=False),
    Column("received_at", TS, nullable=False),
    Column("values", JSON, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("alarm_code", String(32), nullable=True),
    Column("case_id", ID, nullable=True),
    UniqueConstraint("device_id", "msg_id", name="uq_sensor_messages_device_id_msg_id"),
    Index("ix_sensor_messages_device_id_id", "device_id", "id"),
    Index("ix_sensor_messages_case_id_id", "case_id", "id"),
)

# One alarm episode: from the first breach to recovery, with the one case it raised.
sensor_alarms = Table(
    "sensor_alarms",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("device_id", ID, ForeignKey("sensor_devices.id", ondelete="CASCADE"), nullable=False),
    Column("alarm_code", String(32), nullable=False),
    Column("case_id", ID, nullable=True),
    Column("case_no", String(32), nullable=True),
    Column("opened_at", TS, nullable=False),
    Column("last_at", TS, nullable=False),
    Column("readings", Integer, nullable=False, default=1),
    Column("peak", Float, nullable=True),
    Column("recovered_at", TS, nullable=True),
    Column("flood_event_id", ID, nullable=True),
    Index("ix_sensor_alarms_device_id_recovered_at_id", "device_id", "recovered_at", "id"),
    Index("ix_sensor_alarms_opened_at_id", "opened_at", "id"),
    Index("ix_sensor_alarms_flood_event_id_id", "flood_event_id", "id"),
)

# Rejected messages, counted per local day and reason (never stored whole: a flood of forgeries must not
# fill the database).
sensor_rejects = Table(
    "sensor_rejects",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("reason", String(24), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last_at", TS, nullable=False),
    Column("last_device", String(64), nullable=False, default=""),
    Column("last_detail", String(200), nullable=False, default=""),
)

__all__ = ["metadata", "sensor_alarms", "sensor_devices", "sensor_messages", "sensor_rejects"]
