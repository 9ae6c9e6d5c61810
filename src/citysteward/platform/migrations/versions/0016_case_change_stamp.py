"""Speed: a change stamp of the case table, so each worker can keep the ledger pages it built and serve
them again while no case has changed (docs/performance.md, "Fifth round").

One row, `(n, epoch)`: every committed change to `cases` (insert, update, delete) raises `n`. A page kept
under a stamp is served only while the stamp reads the same; anything that changed a case changed it.

- SQLite has one writer at a time, so a row trigger raises the count in the writer's own transaction.
- PostgreSQL has concurrent writers: the stamp row is raised by a deferred constraint trigger, at commit
  and once per transaction (a transaction-local setting remembers it). Its row lock is taken last and held
  only while the transaction commits, so it never joins a lock cycle with the day's case-number row, and
  a bulk update raises it once, not once per row.
- If the row is gone (a restore empties every table), the next change writes it again with a new random
  epoch, so a count that starts over never repeats an earlier stamp.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 13:30:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_SQLITE_BUMP = ("INSERT INTO case_change_stamp (id, n, epoch) VALUES (1, 1, lower(hex(randomblob(8)))) "
                "ON CONFLICT (id) DO UPDATE SET n = n + 1")
_PG_FUNCTION = """
CREATE FUNCTION case_change_stamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('citysteward.case_stamp_xact', true) IS DISTINCT FROM txid_current()::text THEN
        INSERT INTO case_change_stamp (id, n, epoch) VALUES (1, 1, substr(md5(random()::text || clock_timestamp()::text), 1, 16))
            ON CONFLICT (id) DO UPDATE SET n = case_change_stamp.n + 1;
        PERFORM set_config('citysteward.case_stamp_xact', txid_current()::text, true);
    END IF;
    RETURN NULL;
END $$
"""


def create_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [_PG_FUNCTION,
                "CREATE CONSTRAINT TRIGGER trg_cases_changed AFTER INSERT OR UPDATE OR DELETE ON cases "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION case_change_stamp_bump()"]
    return [f"CREATE TRIGGER trg_cases_changed_{event.lower()} AFTER {event} ON cases BEGIN {_SQLITE_BUMP}; END"
            for event in ("INSERT", "UPDATE", "DELETE")]


def drop_triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["DROP TRIGGER IF EXISTS trg_cases_changed ON cases", "DROP FUNCTION IF EXISTS case_change_stamp_bump()"]
    return [f"DROP TRIGGER IF EXISTS trg_cases_changed_{event}" for event in ("insert", "update", "delete")]


def upgrade() -> None:
    op.create_table(
        "case_change_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("epoch", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_change_stamp"),
    )
    op.execute(sa.text("INSERT INTO case_change_stamp (id, n, epoch) VALUES (1, 0, :epoch)")
               .bindparams(epoch=secrets.token_hex(8)))
    dialect = op.get_bind().dialect.name
    for statement in create_triggers(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_triggers(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("case_change_stamp")
