"""Fake case and responsibility-rule repositories: `save` refuses a stale version, case numbers are
reserved per day, events keep their order, the ledger filters as the store's SQL does."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any

from citysteward.cases.domain.case import Case, Event, case_nos
from citysteward.cases.domain.idempotency import IdempotencyKey, StoredReply
from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import CaseState
from citysteward.cases.domain.routing import ResponsibilityRule
from citysteward.kernel.errors import StaleCase
from tests.fakes.tables import FakeIntegrityError, FakeRepository, Row, as_json, new_row, ordered

_CASE_NO = re.compile(r"^[A-Z]{1,4}\d{4,8}(-\d{0,8})?$")
# CaseFilter field -> Case attribute (a case matches one of the field's values).
_FILTER_ATTRIBUTES = {"states": "state", "categories": "category_code", "units": "main_unit_id", "grids": "grid_code",
                      "streets": "street_code", "districts": "district_code", "communities": "community_code",
                      "sources": "source", "lights": "light"}
_LIST_COLUMNS = ("id", "case_no", "version", "state", "source", "category_code", "urgency", "description", "address",
                 "lon", "lat", "grid_code", "district_code", "street_code", "main_unit_id", "deadline", "reported_at",
                 "updated_at", "light", "overdue", "pending_request", "me_too_count", "rework_count")
_SWEPT = (CaseState.DISPATCHED, CaseState.IN_PROGRESS)


def _list_row(case: Case) -> Row:
    row = {name: getattr(case, name) for name in _LIST_COLUMNS}
    row.update(state=case.state.value, source=case.source.value,
               pending_request=case.pending_request.value if case.pending_request else None)
    return copy.deepcopy(row)


def _stored(case: Case) -> Case:
    kept = copy.deepcopy(case)
    kept.pending_payload = as_json(kept.pending_payload)
    kept.updated_at = kept.updated_at or kept.reported_at
    return kept


def _matches(case: Case, f: CaseFilter) -> bool:
    for name, attribute in _FILTER_ATTRIBUTES.items():
        wanted = {v.value if isinstance(v, Enum) else v for v in getattr(f, name)}
        value = getattr(case, attribute)
        if wanted and (value.value if isinstance(value, Enum) else value) not in wanted:
            return False
    q = f.keyword.strip()
    return not (
        (f.led_by is not None and case.main_unit_id not in f.led_by)
        or (f.reported_from is not None and case.reported_at < f.reported_from)
        or (f.reported_before is not None and case.reported_at >= f.reported_before)
        or (f.overdue is not None and case.overdue != f.overdue)
        or (f.pending_request and case.pending_request is None)
        or (q and _CASE_NO.match(q) and not case.case_no.startswith(q))
        or (q and not _CASE_NO.match(q) and q not in case.description and q not in case.address)
    )


class FakeCaseRepository(FakeRepository):
    def add(self, case: Case) -> Case:
        taken = {(c.case_no, c.public_token) for c in self._r.cases.values()}
        if any(case.case_no == no or (case.public_token and case.public_token == token) for no, token in taken):
            raise FakeIntegrityError(f"case {case.case_no} exists")
        d = self._w
        case.id = d.next_id("cases")
        d.cases[case.id] = _stored(case)
        return case

    def get(self, case_no: str, *, lock: bool = False) -> Case | None:  # writers are serialised: no lock needed
        return copy.deepcopy(next((c for c in self._r.cases.values() if c.case_no == case_no), None))

    def get_by_id(self, case_id: int) -> Case | None:
        return copy.deepcopy(self._r.cases.get(case_id))

    def save(self, case: Case, expected_version: int) -> None:
        current = self._r.cases.get(case.id) if case.id is not None else None
        if current is None or current.version != expected_version:
            raise StaleCase("案件已被他人更新，请刷新后重试", {
                "case_no": case.case_no, "expected_version": expected_version,
                "current_version": current.version if current else None})
        assert case.id is not None
        self._w.cases[case.id] = replace(_stored(case), version=expected_version + 1)
        case.version = expected_version + 1

    def append_event(self, event: Event) -> int:
        d = self._w
        new = d.next_id("events")
        d.events[new] = replace(event, id=new, payload=as_json(event.payload), photo_ids=tuple(event.photo_ids))
        return new

    def events(self, case_id: int) -> list[Event]:
        return copy.deepcopy([e for e in ordered(self._r.events) if e.case_id == case_id])

    def next_number(self, day: str, count: int = 1) -> int:
        d = self._w
        d.numbers[day] = d.numbers.get(day, 0) + count
        return d.numbers[day]

    def add_many(self, day: str, stem: str, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]) -> None:
        numbers = case_nos(stem, self.next_number(day, len(cases_with_events)), len(cases_with_events))
        for (case, _), number in zip(cases_with_events, numbers, strict=True):
            case.case_no = number
        self.bulk_add(cases_with_events)

    def append_events(self, events: Sequence[Event]) -> None:
        for event in events:
            self.append_event(event)

    def append_notes(self, events: Sequence[Event]) -> None:
        self.append_events(events)
        d = self._w
        for event in events:
            if event.case_id in d.cases:
                d.cases[event.case_id].version += 1

    def bulk_add(self, cases_with_events: Sequence[tuple[Case, Sequence[Event]]]) -> None:
        for case, events in cases_with_events:
            self.add(case)
            self.append_events([replace(e, case_id=case.id) for e in events])

    def link_photos(self, case_id: int, photo_ids: Sequence[int]) -> None:
        d = self._w
        for pid in photo_ids:
            if pid in d.photos:
                d.photos[pid] = {**d.photos[pid], "case_id": case_id}

    def photos(self, case_id: int) -> list[Row]:
        return copy.deepcopy([p for p in ordered(self._r.photos) if p["case_id"] == case_id])

    def add_photo(self, row: Row) -> int:
        d = self._w
        new = d.next_id("photos")
        d.photos[new] = new_row(row, {"case_id": None}) | {"id": new}
        return new

    def photo(self, photo_id: int) -> Row | None:
        return copy.deepcopy(self._r.photos.get(photo_id))

    def ledger(self, f: CaseFilter, limit: int, offset: int, order: str, count_cap: int) -> tuple[list[Row], int]:
        found = [c for c in ordered(self._r.cases) if _matches(c, f)]
        sort: dict[str, Callable[[Case], Any]] = {
            "newest": lambda c: -(c.id or 0), "oldest": lambda c: c.id or 0,
            # no deadline sorts last, as on PostgreSQL
            "deadline": lambda c: (c.deadline is None, c.deadline or datetime.min, c.id or 0)}
        found.sort(key=sort[order])
        return [_list_row(c) for c in found[offset:offset + limit]], min(len(found), count_cap + 1)

    def nearby_open(self, cells: Sequence[str], category_code: str | None, limit: int) -> list[Row]:
        found = [c for c in reversed(ordered(self._r.cases)) if c.cell in cells and not c.state.is_final
                 and (not category_code or c.category_code == category_code)]
        return [_list_row(c) for c in found[:limit]]

    def open_for_sweep(self, after_id: int, limit: int) -> list[Case]:
        found = [c for c in ordered(self._r.cases) if c.state in _SWEPT and (c.id or 0) > after_id]
        return copy.deepcopy(found[:limit])

    def update_light(self, case_id: int, light: str, overdue: bool) -> None:
        if case_id in self._r.cases:
            self._w.cases[case_id] = replace(self._r.cases[case_id], light=light, overdue=overdue)

    def count(self, f: CaseFilter | None = None) -> int:
        return sum(_matches(c, f or CaseFilter()) for c in self._r.cases.values())

    def add_me_too(self, case_id: int, client_key: str, at: datetime) -> bool:
        if (case_id, client_key) in self._r.me_too:
            return False
        self._w.me_too[(case_id, client_key)] = {"case_id": case_id, "client_key": client_key, "at": at}
        return True


class FakeRuleRepository(FakeRepository):
    def all(self) -> list[ResponsibilityRule]:
        return ordered(self._r.rules)

    def get(self, rule_id: int) -> ResponsibilityRule | None:
        return self._r.rules.get(rule_id)

    def add(self, rule: ResponsibilityRule) -> int:
        d = self._w
        new = d.next_id("rules")
        d.rules[new] = replace(rule, id=new, assisting_unit_ids=tuple(rule.assisting_unit_ids))
        return new

    def update(self, rule: ResponsibilityRule) -> None:
        if rule.id in self._r.rules:
            self._w.rules[rule.id] = rule

    def delete(self, rule_id: int) -> None:
        self._w.rules.pop(rule_id, None)



class FakeIdempotencyRepository(FakeRepository):
    """Writers are serialised, so a claim never waits: a key is either stored or free."""

    def find(self, client: str, key: str) -> StoredReply | None:
        row = self._r.idempotency.get((client, key))
        return StoredReply(**copy.deepcopy(row)) if row else None

    def claim(self, keys: Sequence[IdempotencyKey], at: datetime) -> set[tuple[str, str]]:
        taken = set()
        for k in keys:
            if k.ident not in self._r.idempotency:
                self._w.idempotency[k.ident] = {"client": k.client, "key": k.key, "request_hash": k.request_hash,
                                                "status": None, "response": None, "created_at": at}
                taken.add(k.ident)
        return taken

    def complete(self, replies: Sequence[tuple[IdempotencyKey, int, dict[str, Any]]]) -> None:
        for k, status, response in replies:
            self._w.idempotency[k.ident] = {**self._r.idempotency[k.ident], "status": status,
                                            "response": as_json(response)}

    def forget(self, client: str, key: str) -> None:
        self._w.idempotency.pop((client, key), None)

    def prune(self, before: datetime, limit: int) -> int:
        old = [ident for ident, row in self._r.idempotency.items() if row["created_at"] < before][:limit]
        for ident in old:
            del self._w.idempotency[ident]
        return len(old)
