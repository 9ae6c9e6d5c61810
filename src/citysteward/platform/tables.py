"""The platform's own tables: the throttling counters (platform/throttle.py's database store), and the
shape of a change stamp that a context's triggers raise."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, PrimaryKeyConstraint, String, Table

from citysteward.platform.db import TS, metadata

throttle_counters = Table(  # one row per (limit and hashed subject, window); rows of ended windows are pruned
    "throttle_counters",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),  # epoch seconds
    Column("count", Integer, nullable=False),
    Column("expires_at", TS, nullable=False, index=True),
)


def change_stamp_table(name: str) -> Table:
    """One row `(id = 1, n, epoch)` whose count the owning context's triggers raise on every committed
    change, with a random epoch written with the row (so a count that starts over after a restore is a
    new stamp). Derived: a restore writes it anew instead of loading it."""
    return Table(
        name,
        metadata,
        Column("id", Integer, autoincrement=False, nullable=False),
        Column("n", BigInteger, nullable=False),
        Column("epoch", String(32), nullable=False),
        PrimaryKeyConstraint("id", name=f"pk_{name}"),
        info={"derived": True},
    )
