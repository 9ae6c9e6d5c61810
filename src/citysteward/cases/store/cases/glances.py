"""Ledger pages as glances (platform/quickread.py): one statement outside a unit of work.

A page whose total comes from the state × district summary (the whole ledger as leaders open it, one
state, one district) is read with its total in a single statement: one snapshot, and on PostgreSQL one
round trip instead of four (BEGIN, page, count, ROLLBACK). Other shapes — IN lists, or totals that count
the cases themselves — answer None, and the caller reads them in a unit of work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.store.cases.ledger import (
    LIST_COLUMNS,
    ledger_page_with_total,
    ledger_params,
    ledger_summary_count,
    plain,
)
from citysteward.cases.tables import case_change_stamp
from citysteward.platform.quickread import QuickReads

_KEYS = tuple(str(c.key) for c in LIST_COLUMNS)  # the total, one more column, is left out by zip
_STAMP = select(case_change_stamp.c.n, case_change_stamp.c.epoch).where(case_change_stamp.c.id == 1)


class SqlCaseGlances:
    def __init__(self, reads: QuickReads) -> None:
        self.reads = reads

    def change_stamp(self) -> tuple[int, str] | None:
        found = self.reads.first(_STAMP, {})
        return (int(found[0]), str(found[1])) if found is not None else None

    def ledger(self, f: CaseFilter, limit: int, offset: int, order: str) -> tuple[list[dict[str, Any]], int] | None:
        shape, params = ledger_params(f)
        stmt = ledger_page_with_total(shape, order) if plain(shape) else None
        if stmt is None:
            return None
        rows = self.reads.rows(stmt, {**params, "page_limit": limit, "page_offset": offset})
        if rows:
            return [dict(zip(_KEYS, r, strict=False)) for r in rows], int(rows[0][-1])
        if offset == 0:
            return [], 0
        summary = ledger_summary_count(shape)  # past the last page: the total alone
        total = self.reads.first(summary, params) if summary is not None else None
        return [], int(total[0]) if total else 0
