"""The ledger query: its columns, orders and filters, as statements built once per filter shape."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from sqlalchemy import bindparam, func, or_, select

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.ledger import CaseFilter

CASE_NO = re.compile(r"^[A-Z]{1,4}\d{4,8}(-\d{0,8})?$")
# CaseFilter field -> column (values match one of the field's values).
FILTER_COLUMNS = {
    "states": cases_tables.cases.c.state,
    "categories": cases_tables.cases.c.category_code,
    "units": cases_tables.cases.c.main_unit_id,
    "grids": cases_tables.cases.c.grid_code,
    "streets": cases_tables.cases.c.street_code,
    "districts": cases_tables.cases.c.district_code,
    "communities": cases_tables.cases.c.community_code,
    "sources": cases_tables.cases.c.source,
    "lights": cases_tables.cases.c.light,
}
LIST_COLUMNS = [
    cases_tables.cases.c.id, cases_tables.cases.c.case_no, cases_tables.cases.c.version, cases_tables.cases.c.state, cases_tables.cases.c.source,
    cases_tables.cases.c.category_code, cases_tables.cases.c.urgency, cases_tables.cases.c.description, cases_tables.cases.c.address, cases_tables.cases.c.lon,
    cases_tables.cases.c.lat, cases_tables.cases.c.grid_code, cases_tables.cases.c.district_code, cases_tables.cases.c.street_code,
    cases_tables.cases.c.main_unit_id, cases_tables.cases.c.deadline, cases_tables.cases.c.reported_at, cases_tables.cases.c.updated_at, cases_tables.cases.c.light,
    cases_tables.cases.c.overdue, cases_tables.cases.c.pending_request, cases_tables.cases.c.me_too_count, cases_tables.cases.c.rework_count,
]
ORDERS = {
    "newest": [cases_tables.cases.c.id.desc()],
    "oldest": [cases_tables.cases.c.id.asc()],
    "deadline": [cases_tables.cases.c.deadline.asc(), cases_tables.cases.c.id.asc()],
}


# -- ledger statements: one per filter shape (which conditions are present), values as bind parameters.
# Building a select of 23 columns and its cache key on every request cost more than the query itself
# (docs/performance.md); a shape's statement is built once and SQLAlchemy's compiled cache does the rest.
LedgerShape = tuple[str, ...]
_LEDGER_STATEMENTS: dict[tuple[str, LedgerShape, str], Any] = {}


ONE = ":1"  # a shape's mark for a key given one value: `column = :value`, not an IN list rendered per call
# Keys matched against a list of values (one value: an equality): the filter's columns and the actor's units.
VALUE_COLUMNS = {**FILTER_COLUMNS, "led_by": cases_tables.cases.c.main_unit_id}


def _matches(column: Any, name: str) -> Any:
    """`column = :key` for a shape name marked ONE, else `column IN (:key…)`."""
    key = name.removesuffix(ONE)
    return column == bindparam(key) if name.endswith(ONE) else column.in_(bindparam(key, expanding=True))


def _values(shape: list[str], params: dict[str, Any], name: str, values: list[Any]) -> None:
    """One value is an equality (a plain bind parameter: the statement can be a glance); several an IN."""
    if len(values) == 1:
        shape.append(name + ONE)
        params[name] = values[0]
    else:
        shape.append(name)
        params[name] = values


def ledger_params(f: CaseFilter) -> tuple[LedgerShape, dict[str, Any]]:
    """The filter as a shape (the conditions present, in a fixed order) and the values they bind."""
    shape: list[str] = []
    params: dict[str, Any] = {}
    for name in FILTER_COLUMNS:
        values = [v.value if isinstance(v, Enum) else v for v in getattr(f, name)]
        if values:
            _values(shape, params, name, values)
    if f.led_by is not None:  # a unit sees the cases it leads; assisting ones come via notices
        _values(shape, params, "led_by", list(f.led_by))
    for name, value in (("reported_from", f.reported_from), ("reported_before", f.reported_before),
                        ("overdue", f.overdue)):
        if value is not None:
            shape.append(name)
            params[name] = value
    if f.pending_request:
        shape.append("pending_request")
    if f.keyword:
        q = f.keyword.strip()
        if CASE_NO.match(q):  # a case number: prefix match on the unique index
            shape.append("case_no_prefix")
            params["case_no_prefix"] = f"{q}%"
        else:
            shape.append("words")
            params["words"] = f"%{q}%"
    return tuple(shape), params


def ledger_conditions(shape: LedgerShape) -> list[Any]:
    c = cases_tables.cases.c
    conds: list[Any] = []
    for name in shape:
        column = VALUE_COLUMNS.get(name.removesuffix(ONE))
        if column is not None:
            conds.append(_matches(column, name))
        elif name == "reported_from":
            conds.append(c.reported_at >= bindparam("reported_from", type_=c.reported_at.type))
        elif name == "reported_before":
            conds.append(c.reported_at < bindparam("reported_before", type_=c.reported_at.type))
        elif name == "overdue":
            conds.append(c.overdue == bindparam("overdue", type_=c.overdue.type))
        elif name == "pending_request":
            conds.append(c.pending_request.is_not(None))
        elif name == "case_no_prefix":
            conds.append(c.case_no.like(bindparam("case_no_prefix")))
        elif name == "words":
            conds.append(or_(c.description.like(bindparam("words")), c.address.like(bindparam("words"))))
    return conds


def ledger_page(shape: LedgerShape, order: str) -> Any:
    key = ("page", shape, order)
    stmt = _LEDGER_STATEMENTS.get(key)
    if stmt is None:
        stmt = _LEDGER_STATEMENTS[key] = (select(*LIST_COLUMNS).where(*ledger_conditions(shape))
                                          .order_by(*ORDERS[order]).limit(bindparam("page_limit"))
                                          .offset(bindparam("page_offset")))
    return stmt


def ledger_count(shape: LedgerShape, capped: bool) -> Any:
    key = ("capped" if capped else "count", shape, "")
    stmt = _LEDGER_STATEMENTS.get(key)
    if stmt is None:
        if capped:
            ids = (select(cases_tables.cases.c.id).where(*ledger_conditions(shape))
                   .limit(bindparam("count_limit")).subquery())
            stmt = select(func.count()).select_from(ids)
        else:
            stmt = select(func.count()).select_from(cases_tables.cases).where(*ledger_conditions(shape))
        _LEDGER_STATEMENTS[key] = stmt
    return stmt


# Filters on state and district only (the whole ledger included) are counted from `case_state_counts`, which
# the database's triggers keep in the same transaction as every change (a few rows, not up to 10,001 ids).
SUMMARY_SHAPES = frozenset({"states", "districts"})


def ledger_summary_count(shape: LedgerShape) -> Any | None:
    """The exact number of matches from the summary, or None when the shape needs the cases themselves."""
    if not SUMMARY_SHAPES.issuperset(name.removesuffix(ONE) for name in shape):
        return None
    key = ("summary", shape, "")
    stmt = _LEDGER_STATEMENTS.get(key)
    if stmt is None:
        s = cases_tables.case_state_counts.c
        stmt = select(func.coalesce(func.sum(s.n), 0))
        for name in shape:
            stmt = stmt.where(_matches(s.state if name.removesuffix(ONE) == "states" else s.district_code, name))
        _LEDGER_STATEMENTS[key] = stmt
    return stmt


def plain(shape: LedgerShape) -> bool:
    """Whether the shape's statements bind plain values only (no IN list rendered per call): a glance."""
    return all(name.endswith(ONE) or name not in VALUE_COLUMNS for name in shape)


TOTAL = "ledger_total"


def ledger_page_with_total(shape: LedgerShape, order: str) -> Any | None:
    """For a shape counted from the summary: the page and the total in one statement (one snapshot, one
    round trip), the total as a last column `ledger_total` on every row. None for other shapes."""
    summary = ledger_summary_count(shape)
    if summary is None:
        return None
    key = ("page+total", shape, order)
    stmt = _LEDGER_STATEMENTS.get(key)
    if stmt is None:
        stmt = _LEDGER_STATEMENTS[key] = (select(*LIST_COLUMNS, summary.scalar_subquery().label(TOTAL))
                                          .where(*ledger_conditions(shape)).order_by(*ORDERS[order])
                                          .limit(bindparam("page_limit")).offset(bindparam("page_offset")))
    return stmt
