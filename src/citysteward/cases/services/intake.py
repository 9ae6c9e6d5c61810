"""Report intake (信息采集): citizens, the 12345 hotline, inspectors and other systems report a
problem; it gets a case number, a grid and a place in the ledger. An inspector may fix a small
problem on the spot (自处理) with before and after photos. A report sent with an Idempotency-Key is
written once however often the client retries it (domain/idempotency.py): the key is claimed, the case
written and the answer kept in one transaction."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from citysteward.assets.domain.roads import RoadMatch
from citysteward.assets.services import components as component_services
from citysteward.assets.services import roads as road_services
from citysteward.cases.domain.case import Case, Event, case_no, case_no_stem
from citysteward.cases.domain.idempotency import IdempotencyKey
from citysteward.cases.domain.lifecycle import ActionParams, Timing, apply_action
from citysteward.cases.domain.model import Action, CaseState, Source
from citysteward.cases.ports import CasesUnitOfWork, unit_of_work
from citysteward.cases.services import idempotency as keys
from citysteward.cases.services.photos import PreparedPhoto, save_photo
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain.categories import Urgency
from citysteward.geography import services as geography_services
from citysteward.geography.domain.codes import GridCode
from citysteward.kernel import geo
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.cells import cell_of
from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput
from citysteward.kernel.text import clean_text
from citysteward.platform.groupcommit import GroupCommit
from citysteward.platform.runtime import Runtime
from citysteward.worktime import services as worktime_services

MAX_DESCRIPTION = 4000
_PHONE = re.compile(r"^\+?[0-9\- ]{5,20}$")
_SOURCE_BY_ROLE = {
    Role.CITIZEN: Source.CITIZEN,
    Role.HOTLINE: Source.HOTLINE,
    Role.INSPECTOR: Source.INSPECTOR,
    Role.SYSTEM: Source.SYSTEM,
}


@dataclass(frozen=True, slots=True)
class ReportInput:
    category_code: str
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = ""
    road: str | None = None
    urgency: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    source: str | None = None
    photos: tuple[PreparedPhoto, ...] = ()
    photo_ids: tuple[int, ...] = ()
    self_handled: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    component_id: int | None = None  # the component (部件) the report is about, of the category's class


@dataclass(frozen=True, slots=True)
class ReportResult:
    case_no: str
    id: int
    state: str
    grid_code: str
    public_token: str
    version: int
    replayed: bool = False  # the answer kept for an Idempotency-Key: nothing was written this time

    def to_json(self) -> dict[str, Any]:
        return {"case_no": self.case_no, "id": self.id, "state": self.state, "grid_code": self.grid_code,
                "public_token": self.public_token, "version": self.version}

    @classmethod
    def replayed_from(cls, stored: dict[str, Any]) -> ReportResult:
        """An answer kept by `to_json`; keys this version no longer has are ignored (answers live 24 h)."""
        return cls(**{k: v for k, v in stored.items() if k in _RESULT_FIELDS}, replayed=True)


_RESULT_FIELDS = frozenset(ReportResult.__dataclass_fields__) - {"replayed"}

# One-line texts of a report, with the names people know them by.
_ONE_LINE = (("address", "地址"), ("road", "道路"), ("reporter_name", "联系人"), ("reporter_phone", "联系电话"))


def _cleaned(data: ReportInput) -> ReportInput:
    """Every text through the one sanitiser (kernel/text.py), whichever edge it came in by."""
    changes: dict[str, Any] = {name: clean_text(value, field=name, label=label)
                               for name, label in _ONE_LINE if (value := getattr(data, name))}
    description = clean_text(data.description, multiline=True, field="description", label="问题描述")
    return replace(data, description=description, **changes)


def _validate(rt: Runtime, data: ReportInput, actor: Actor) -> tuple[Source, float, float, str]:
    description = data.description.strip()
    if not description:
        raise InvalidInput("请填写问题描述", {"field": "description"})
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"问题描述不能超过 {MAX_DESCRIPTION} 字", {"field": "description"})
    if data.reporter_phone and not _PHONE.match(data.reporter_phone.strip()):
        raise InvalidInput("联系电话格式不正确", {"field": "reporter_phone"})
    if len(data.photos) + len(data.photo_ids) > rt.settings.max_photos_per_report:
        raise InvalidInput(f"每次最多上传 {rt.settings.max_photos_per_report} 张照片", {"field": "photos"})
    allowed = _SOURCE_BY_ROLE.get(actor.role)
    if allowed is None:
        raise Forbidden(f"「{actor.role.label}」不能上报问题")
    source = Source(data.source) if data.source else allowed
    if source is not allowed and not (actor.role is Role.SYSTEM and source in (Source.OPEN311, Source.SENSOR)):
        raise Forbidden(f"「{actor.role.label}」不能以「{source.label}」渠道上报")
    if data.self_handled and actor.role is not Role.INSPECTOR:
        raise Forbidden("只有监督员可以自处理")
    try:
        crs = geo.CoordSys.parse(data.crs)
    except ValueError as exc:
        raise InvalidInput(f"不支持的坐标系：{data.crs}（可选 wgs84、gcj02、bd09）", {"field": "crs"}) from exc
    lon, lat = geo.to_wgs84(float(data.lon), float(data.lat), crs)
    return source, lon, lat, description


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A validated report: everything but the transaction."""

    data: ReportInput
    actor: Actor
    source: Source
    lon: float
    lat: float
    description: str
    category_code: str
    urgency: str
    grid: GridCode
    at: datetime
    key: IdempotencyKey | None = None
    road_match: RoadMatch | None = None  # no road typed: the road the pin lies on (assets), if any
    guard: Guard | None = None


# A check the write transaction makes before a report is written (or an earlier answer replayed): an Open311
# client's key must still be valid when its report is committed, however long ago the caller looked it up.
# It raises a DomainError to refuse; the rest of the batch is then written without that report. Guards that
# compare equal (a frozen dataclass with the same fields) run once per batch.
Guard = Callable[[CasesUnitOfWork], None]


def report_case(rt: Runtime, data: ReportInput, actor: Actor, key: IdempotencyKey | None = None) -> ReportResult:
    return submit_report(rt, data, actor, key).result()


def submit_report(rt: Runtime, data: ReportInput, actor: Actor,
                  key: IdempotencyKey | None = None, guard: Guard | None = None) -> Future[ReportResult]:
    """Validate now (errors raise here), write with the next group commit; an async caller awaits
    the future without holding a thread. A key already answered is found by the writer, which answers
    as the first time and writes nothing; a retry the rules now refuse (a category retired since) gets
    the first answer too. Only then is the key looked up here: a read on every request cost intake
    about a third of its throughput (bench/intake.py --keys)."""
    try:
        prepared = replace(_prepare(rt, data, actor, key), guard=guard)
    except DomainError:
        first = answered(rt, key)
        if first is None:
            raise
        done: Future[ReportResult] = Future()
        done.set_result(first)
        return done
    # One writer: the day's case-number row is locked by each batch until it commits anyway.
    writer: GroupCommit[CasesUnitOfWork, _Prepared, ReportResult] = rt.singleton("intake_writer", lambda: GroupCommit(
        lambda: unit_of_work(rt), lambda uow, p: _write(rt, uow, p), write_many=lambda uow, ps: _write_many(rt, uow, ps)))
    return writer.enqueue(prepared)


def answered(rt: Runtime, key: IdempotencyKey | None) -> ReportResult | None:
    """The first answer kept for this key, if any (a 422 if the key came with another request)."""
    first = keys.first_answer(rt, key) if key is not None else None
    return ReportResult.replayed_from(first) if first is not None else None


def report_within(rt: Runtime, uow: CasesUnitOfWork, data: ReportInput, actor: Actor) -> ReportResult:
    """A report written inside the caller's transaction, validated and numbered like any other: a
    sensor alarm's case commits together with the message that raised it (sensors/services)."""
    return _write_one(rt, uow, _prepare(rt, data, actor))


def _prepare(rt: Runtime, data: ReportInput, actor: Actor, key: IdempotencyKey | None = None) -> _Prepared:
    data = _cleaned(data)
    source, lon, lat, description = _validate(rt, data, actor)
    category = catalogue_services.catalogue(rt).get(data.category_code)
    urgency = Urgency(data.urgency) if data.urgency else category.default_urgency
    grid = GridCode.parse(geography_services.grid_index(rt).locate(lon, lat))
    # A pin near a road's centre line gets that road, so road rules fire without a typed road.
    road_match = None if (data.road or "").strip() else road_services.road_at(rt, lon, lat)
    if data.component_id is not None:
        component_services.check_component(rt, data.component_id, category.code)
    return _Prepared(data, actor, source, lon, lat, description, category.code, urgency.value, grid, rt.now(), key,
                     road_match)


def _new_case(rt: Runtime, p: _Prepared, case_no: str) -> Case:
    """The case of a report; `case_no` is "" while the repository has yet to number it (`add_many`)."""
    data, actor, now = p.data, p.actor, p.at
    return Case(
        case_no=case_no,
        state=CaseState.REPORTED, source=p.source, category_code=p.category_code, urgency=p.urgency,
        description=p.description, lon=p.lon, lat=p.lat, grid_code=p.grid.value,
        community_code=p.grid.community_code, street_code=p.grid.street_code,
        district_code=p.grid.division_code, reported_at=now, updated_at=now,
        address=data.address.strip()[:200],
        road=(data.road or "").strip() or (p.road_match.name if p.road_match else None),
        cell=cell_of(p.lon, p.lat),
        reporter_name=(data.reporter_name or "").strip() or None,
        reporter_phone=(data.reporter_phone or "").strip() or None,
        reporter_user_id=actor.user_id, client_id=actor.client_id,
        public_token=secrets.token_urlsafe(12),
    )


def _report_event(p: _Prepared, case: Case, photo_ids: tuple[int, ...] = ()) -> Event:
    return Event(
        action=Action.REPORT, from_state=None, to_state=CaseState.REPORTED, actor=p.actor, at=p.at,
        note=p.description[:200],
        payload={"source": p.source.value, "attributes": p.data.attributes, "crs": p.data.crs,
                 **({"road_match": p.road_match.to_dict()} if p.road_match else {}),
                 **({"component_id": p.data.component_id} if p.data.component_id else {})},
        photo_ids=photo_ids, case_id=case.id,
    )


def _local_day(rt: Runtime, p: _Prepared) -> str:
    return p.at.astimezone(rt.settings.tz).strftime("%Y%m%d")


def _result(case: Case) -> ReportResult:
    assert case.id is not None
    return ReportResult(case.case_no, case.id, case.state.value, case.grid_code, case.public_token or "",
                        case.version)


def _write(rt: Runtime, uow: CasesUnitOfWork, p: _Prepared) -> ReportResult:
    return _write_many(rt, uow, [p])[0]


def _write_one(rt: Runtime, uow: CasesUnitOfWork, p: _Prepared) -> ReportResult:
    """One report, with its photos and an inspector's on-the-spot handling."""
    local_day = _local_day(rt, p)
    case = _new_case(rt, p, case_no(rt.settings.city_prefix, local_day, uow.cases.next_number(local_day)))
    uow.cases.add(case)
    assert case.id is not None
    if p.data.component_id is not None:
        component_services.link_case(uow, p.data.component_id, case.id, case.case_no, p.at,
                                     p.actor.name or p.source.label)
    photo_ids = [save_photo(rt, uow, photo, case.id, p.actor.name or p.source.label) for photo in p.data.photos]
    if p.data.photo_ids:
        _claim_photos(uow, case.id, p.data.photo_ids)
        photo_ids += list(p.data.photo_ids)
    uow.cases.append_event(_report_event(p, case, tuple(photo_ids)))
    if p.data.self_handled:
        version = case.version
        event = apply_action(case, Action.SELF_HANDLE, p.actor, p.at, ActionParams(note="现场自处理"),
                             Timing(worktime_services.calendar(rt)))
        uow.cases.save(case, version)
        uow.cases.append_event(event)
    return _result(case)


def _write_many(rt: Runtime, uow: CasesUnitOfWork, batch: list[_Prepared]) -> list[ReportResult]:
    """A batch in a few multi-row statements; reports with photos or self-handling go one by one.
    Keys are claimed first: a report whose key is already answered is not written again. Guards come
    before anything: one that refuses fails the batch, which the group commit then writes one by one."""
    for guard in dict.fromkeys(p.guard for p in batch if p.guard is not None):  # equal guards run once
        guard(uow)
    claims = keys.claim(rt, uow, [p.key for p in batch])
    results = {i: ReportResult.replayed_from(answer) for i, answer in claims.answers.items()}
    todo = [i for i in range(len(batch)) if i not in results and i not in claims.repeats]
    plain = [(i, batch[i]) for i in todo
             if not (batch[i].data.photos or batch[i].data.photo_ids or batch[i].data.self_handled
                     or batch[i].data.component_id is not None)]
    by_day: dict[str, list[tuple[int, _Prepared]]] = {}
    for i, p in plain:
        by_day.setdefault(_local_day(rt, p), []).append((i, p))
    for day, items in by_day.items():  # numbered and written by the repository in one go, per local day
        cases = [(i, p, _new_case(rt, p, "")) for i, p in items]
        uow.cases.add_many(day, case_no_stem(rt.settings.city_prefix, day),
                           [(c, [_report_event(p, c)]) for _, p, c in cases])  # the events get the new ids
        results.update((i, _result(c)) for i, _, c in cases)
    for i in todo:
        if i not in results:
            results[i] = _write_one(rt, uow, batch[i])
    for i, first in claims.repeats.items():  # the same key twice in one batch: the second is a retry
        results[i] = replace(results[first], replayed=True)
    keys.remember(uow, [(key, results[i].to_json()) for i in todo if (key := batch[i].key) is not None])
    keys.prune(rt, uow)
    return [results[i] for i in range(len(batch))]


def _claim_photos(uow: CasesUnitOfWork, case_id: int, photo_ids: tuple[int, ...]) -> None:
    for pid in photo_ids:
        row = uow.cases.photo(pid)
        if row is None or (row["case_id"] not in (None, case_id)):
            raise InvalidInput(f"照片 {pid} 不存在或已属于其他案件", {"field": "photo_ids"})
    uow.cases.link_photos(case_id, photo_ids)
