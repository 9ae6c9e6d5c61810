"""Storage of cases and their events, split by concept: `rows` (row <-> domain mapping), `ledger` (the
ledger query's statements, one per filter shape), `repository` (`SqlCaseRepository`). Callers import
from here, as before the split."""

from citysteward.cases.store.cases.ledger import CASE_NO, FILTER_COLUMNS, LIST_COLUMNS, ORDERS
from citysteward.cases.store.cases.repository import SqlCaseRepository
from citysteward.cases.store.cases.rows import case_to_row, event_to_row, row_to_case, row_to_event

__all__ = ["CASE_NO", "FILTER_COLUMNS", "LIST_COLUMNS", "ORDERS", "SqlCaseRepository", "case_to_row",
           "event_to_row", "row_to_case", "row_to_event"]
