"""Speed: a change stamp of the areas and grids, so each worker keeps its point → grid index, area names
and map layers until an import changes them, instead of reading all 2,917 outlines again every minute
(docs/performance.md, "Seventh round").

One row, `(n, epoch)`, as the case table's (migration 0016): every committed change to `areas` or `grids`
raises `n`; a row missing after a restore is written anew at 0 with a new random epoch, so a count that
starts over never repeats an earlier stamp.

- SQLite: row triggers write the row where it is missing and raise it with a plain `UPDATE` (as
  migration 0017 does, without an UPSERT).
- PostgreSQL: statement triggers (a whole import raises it once), TRUNCATE included.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 20:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_TABLES = ("areas", "grids")
# Written anew only where missing, without a conflict clause: the grids are written by an UPSERT, and an
# outer statement's conflict handling overrides a trigger's own (`INSERT OR IGNORE` would fail there).
_SQLITE_RAISE = ("INSERT INTO area_change_stamp (id, n, epoch) SELECT 1, 0, lower(hex(randomblob(8))) "
                 "WHERE NOT EXISTS (SELECT 1 FROM area_change_stamp WHERE id = 1); "
                 "UPDATE area_change_stamp SET n = n + 1 WHERE id = 1")
_PG_FUNCTION = """
CREATE FUNCTION area_change_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO area_change_stamp (id, n, epoch) VALUES (1, 1, substr(md5(random()::text || clock_timestamp()::text), 1, 16))
        ON CONFLICT (id) DO UPDATE SET n = area_change_stamp.n + 1;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "area_change_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_area_change_stamp"),
    )
    op.execute(sa.text("INSERT INTO area_change_stamp (id, n, epoch) VALUES (1, 0, :epoch)")
               .bindparams(epoch=secrets.token_hex(8)))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in _TABLES:
            op.execute(f"CREATE TRIGGER trg_{table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION area_change_stamp_bump()")
        return
    for table in _TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER trg_{table}_changed_{event.lower()} AFTER {event} ON {table} "
                       f"BEGIN {_SQLITE_RAISE}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_changed ON {table}")
        op.execute("DROP FUNCTION IF EXISTS area_change_stamp_bump()")
    else:
        for table in _TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_changed_{event}")
    op.drop_table("area_change_stamp")
