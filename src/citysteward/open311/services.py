"""Open311 GeoReport v2: other systems read the category list and the public state of cases, and
client applications with an API key file reports (which enter the ledger through intake like any other).

Mapping (see shared/standards/open311.md): a service is an active category (group = its class); a
service request is a case, its id the case number; open/closed from the case state (closed = closed,
voided, rejected, merged); expected_datetime = deadline; agency_responsible = the main unit (before
dispatch: the unit routing suggests); status_notes = the latest public note (else the state's label).
Times are ISO 8601 in the city's zone.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from citysteward.cases.domain import idempotency
from citysteward.cases.domain.case import PUBLIC_NOTE_ACTIONS, Case
from citysteward.cases.domain.model import Action, Source
from citysteward.cases.services import intake
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain import attributes as attrs
from citysteward.catalogue.domain.categories import Category
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import DomainError, Forbidden, InvalidInput, NotFound
from citysteward.open311 import domain as gr
from citysteward.open311 import ports as open311_ports
from citysteward.open311.ports import glances, unit_of_work
from citysteward.org.services import accounts, audit
from citysteward.platform.replica import primary_reads
from citysteward.platform.runtime import Runtime
from citysteward.platform.stamped import StampedCache

log = logging.getLogger("citysteward.open311")
R = TypeVar("R")
S = TypeVar("S")

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22T00:00:00+08:00"  # when this server's Open311 surface last changed
FORMATS = ("text/xml", "application/json")
KEY_PREFIX = "cs311_"
EXTRAS_KEY = "_open311"  # in the report's attributes: what a client sent beyond the category's questions


@dataclass(frozen=True, slots=True)
class ClientApp:
    id: int
    name: str


def check_jurisdiction(rt: Runtime, jurisdiction_id: str | None) -> None:
    """One endpoint, one jurisdiction: its id is the city prefix in lower case (e.g. `jz`)."""
    if jurisdiction_id is None or jurisdiction_id.strip() == "":
        return
    if jurisdiction_id.strip().lower() not in {jurisdiction_of(rt), rt.settings.city_name.lower()}:
        raise NotFound(f"未知的辖区 jurisdiction_id：{jurisdiction_id}（本系统为 {jurisdiction_of(rt)}）",
                       {"field": "jurisdiction_id"})


def jurisdiction_of(rt: Runtime) -> str:
    return rt.settings.city_prefix.lower()


# ------------------------------------------------------------------ the service
@dataclass(frozen=True, slots=True)
class GeoReport:
    """GeoReport v2 use cases on a runtime."""

    rt: Runtime

    # -------------------------------------------------------------- client applications
    def issue_key(self, actor: Actor, name: str) -> dict[str, Any]:
        """A new client application and its key; the key is shown once, only its hash is kept."""
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise InvalidInput("客户端名称不能为空，最长 64 字", {"field": "name"})
        key = KEY_PREFIX + secrets.token_urlsafe(24)
        row = {"name": name, "key_hash": _digest(key), "key_prefix": key[:12], "created_at": self.rt.now(),
               "revoked_at": None, "created_by": (actor.name or "")[:64]}
        with unit_of_work(self.rt) as uow:
            row["id"] = uow.open311.add_client(row)
            public = _client_view({k: v for k, v in row.items() if k != "key_hash"})
            audit.record_change(self.rt, uow, actor, "api_client", row["id"], "create", None, public)
            uow.commit()
        return {**public, "api_key": key}

    def list_keys(self) -> list[dict[str, Any]]:
        with unit_of_work(self.rt, readonly=True) as uow:
            return [_client_view(r) for r in uow.open311.clients()]

    def revoke_key(self, actor: Actor, client_id: int) -> dict[str, Any]:
        with unit_of_work(self.rt) as uow:
            repo = uow.open311
            before = repo.client(client_id)
            if before is None:
                raise NotFound(f"Open311 客户端 {client_id} 不存在")
            if before["revoked_at"] is None:
                repo.revoke_client(client_id, self.rt.now())
            after = repo.client(client_id) or before
            audit.record_change(self.rt, uow, actor, "api_client", client_id, "revoke", _client_view(before),
                         _client_view(after))
            uow.commit()
        self.rt.cache.drop_prefix("open311_key:")  # other workers: each report's write checks the key itself
        return _client_view(after)

    def authenticate(self, api_key: str | None) -> ClientApp:
        """The client application behind a key, checked now (a read on the primary)."""
        digest = self._digest_of(api_key)
        with primary_reads(), unit_of_work(self.rt, readonly=True) as uow:
            row = uow.open311.client_by_key_hash(digest)
        if row is None or row["revoked_at"] is not None:
            raise Forbidden(REFUSED_KEY)
        return ClientApp(row["id"], row["name"])

    def known_client(self, api_key: str | None) -> ClientApp:
        """The client application behind a key, from this worker's memory after the first request: a
        key's hash never changes owner, so only its revocation can make the answer wrong, and the
        report's own write transaction checks that (`still_valid`): one read per report less. An
        unknown key is looked up every time (a key issued a moment ago works at once)."""
        digest = self._digest_of(api_key)
        return self.rt.cache.get(f"open311_key:{digest}", KNOWN_KEY_TTL, lambda: self.authenticate(api_key))

    @staticmethod
    def _digest_of(api_key: str | None) -> str:
        if not api_key or not api_key.strip():
            raise Forbidden("缺少 api_key：提交问题需要管理员发放的 API 密钥")
        return _digest(api_key.strip())

    # -------------------------------------------------------------- services
    def discovery(self, base_url: str) -> dict[str, Any]:
        settings = self.rt.settings
        return {
            "changeset": CHANGESET,
            "contact": f"{settings.city_name}城市管理指挥中心",
            "key_service": "API 密钥由系统管理员按客户端应用发放（/api/v1/open311/clients）",
            "endpoints": [{"specification": SPECIFICATION, "url": f"{base_url}/open311/v2", "changeset": CHANGESET,
                           "type": "production", "formats": list(FORMATS)}],
        }

    def services(self) -> list[dict[str, Any]]:
        cats = sorted((c for c in catalogue_services.catalogue(self.rt).by_code.values() if c.active), key=lambda c: c.code)
        return [{"service_code": c.code, "service_name": c.name, "description": c.label,
                 "metadata": bool(_definitions(c)), "type": "realtime", "keywords": ",".join(c.keywords),
                 "group": c.class_name} for c in cats]

    def service_definition(self, code: str) -> dict[str, Any]:
        cat = catalogue_services.catalogue(self.rt).by_code.get(code)
        if cat is None or not cat.active:
            raise NotFound(f"未知的服务类型 service_code：{code}", {"field": "service_code"})
        return {"service_code": cat.code, "attributes": [d.to_dict() for d in _definitions(cat)]}

    # -------------------------------------------------------------- filing a request
    def create_request(self, api_key: str | None, req: gr.NewRequest, idempotency_key: str | None = None,
                       content: Any = None) -> list[dict[str, Any]]:
        """A new case; with an Idempotency-Key already answered for this client, that first answer."""
        return self.submit_request(api_key, req, idempotency_key, content).result()

    def submit_request(self, api_key: str | None, req: gr.NewRequest, idempotency_key: str | None = None,
                       content: Any = None) -> Future[list[dict[str, Any]]]:
        """`create_request` for an async caller: checked now (errors raise here), the answer once the
        report's group commit is done, awaited without holding a thread."""
        client = self.known_client(api_key)
        actor = Actor(role=Role.SYSTEM, client_id=client.id, name=client.name[:64])
        key = idempotency.key_of(idempotency_key, actor, None, self.rt.settings.secret_key, content, 200)

        def answer(result: intake.ReportResult) -> list[dict[str, Any]]:
            return [{"service_request_id": result.case_no, "token": result.public_token,
                     "service_notice": f"已受理，案件编号 {result.case_no}，可凭编号查询办理进度",
                     "account_id": req.account_id or None}]

        try:
            data = self._report(client, req)
        except DomainError:
            self.authenticate(api_key)  # a revoked key gets no answer, not even a kept one
            first = intake.answered(self.rt, key)  # a retry the rules now refuse still gets its first answer
            if first is None:
                raise
            done: Future[list[dict[str, Any]]] = Future()
            done.set_result(answer(first))
            return done
        return _then(intake.submit_report(self.rt, data, actor, key, guard=still_valid(client)), answer)

    def _report(self, client: ClientApp, req: gr.NewRequest) -> intake.ReportInput:
        cat = catalogue_services.catalogue(self.rt).by_code.get(req.service_code.strip())
        if not req.service_code.strip():
            raise InvalidInput("缺少 service_code", {"field": "service_code"})
        if cat is None or not cat.active:
            raise InvalidInput(f"未知的服务类型 service_code：{req.service_code}", {"field": "service_code"})
        lon, lat = req.location()
        if len(req.description) > intake.MAX_DESCRIPTION:
            raise InvalidInput(f"description 不能超过 {intake.MAX_DESCRIPTION} 字", {"field": "description"})
        answers = attrs.validate_answers(_definitions(cat), req.attributes)
        extras = {k: v for k, v in (("media_url", req.checked_media_url()), ("account_id", req.account_id[:64]),
                                    ("device_id", req.device_id[:64]), ("client", client.name)) if v}
        return intake.ReportInput(
            category_code=cat.code, description=req.description.strip() or cat.name, lon=lon, lat=lat,
            address=req.address_string.strip()[:200], reporter_name=req.person(),
            reporter_phone=req.phone.strip() or None, source=Source.OPEN311.value,
            attributes={**answers, EXTRAS_KEY: extras},
        )

    # -------------------------------------------------------------- reading requests
    def find_requests(self, params: Mapping[str, str], base_url: str) -> list[dict[str, Any]]:
        query = gr.parse_query(params, self.rt.now(), self.rt.settings.tz)
        filters: dict[str, Any] = {}
        if query.service_request_ids:
            filters["case_nos"] = list(query.service_request_ids)
        else:
            filters.update(category_codes=list(query.service_codes), reported_from=query.start,
                           reported_to=query.end, states=query.states)
        with unit_of_work(self.rt, readonly=True) as uow:
            repo = uow.open311
            cases = repo.find_cases(filters, query.page.size, query.page.offset)
            return self._views(repo, cases, base_url)

    def get_request(self, case_no: str, base_url: str) -> list[dict[str, Any]]:
        """One request's document. Clients poll the same requests over and over: each worker keeps the
        documents it built with what they were built from — the case's stamp (version, photos) and the
        catalogue and unit names in force — and one indexed read of the stamp tells whether it still
        holds (docs/performance.md, "Third round")."""
        no = case_no.strip()
        missing = NotFound(f"没有找到服务请求 {case_no}", {"field": "service_request_id"})
        stamp = glances(self.rt).open311.request_stamp(no) if no else None
        if stamp is None:
            raise missing
        # The reference data are cached objects, replaced (never changed) when they change: a refresh that
        # finds the same data keeps the same object (platform/runtime.py), so this compares by identity and
        # by content only once per kept document after a real change.
        full_stamp = (stamp, catalogue_services.catalogue(self.rt), accounts.unit_names(self.rt))
        views: StampedCache = self.rt.singleton("open311.request_views", StampedCache)
        view = views.get((no, base_url), full_stamp)
        if view is None:
            with unit_of_work(self.rt, readonly=True) as uow:
                case = uow.cases.get(no)
                if case is None:  # gone between the two reads
                    raise missing
                view = self._views(uow.open311, [case], base_url)[0]
            # Built from what is stored now, which is at least as new as the stamp: a newer stamp next
            # time finds no match and builds it again; never an older document under a newer stamp.
            views.put((no, base_url), full_stamp, view)
        return [view]

    def token(self, token: str) -> list[dict[str, Any]]:
        with unit_of_work(self.rt, readonly=True) as uow:
            case = uow.open311.case_by_token(token.strip()) if token.strip() else None
        if case is None:
            raise NotFound(f"没有找到令牌 {token}", {"field": "token"})
        return [{"service_request_id": case.case_no, "token": case.public_token}]

    def updates(self, params: Mapping[str, str], base_url: str) -> list[dict[str, Any]]:
        """mySociety's servicerequestupdates: the public steps of all cases in a time window."""
        start, end = gr.date_range(params, self.rt.now(), self.rt.settings.tz)
        page = gr.parse_page(params)
        actions = sorted(a.value for a in gr.UPDATE_ACTIONS)
        with unit_of_work(self.rt, readonly=True) as uow:
            rows = uow.open311.updates(actions, start, end, page.size, page.offset)
        return [{
            "update_id": str(e.id), "service_request_id": case_no, "status": gr.status_of(e.to_state),
            "external_status_code": e.to_state.value, "updated_datetime": self.iso(e.at),
            "description": gr.public_note(e) or f"{e.action.label}：{e.to_state.label}",
            "media_url": _photo_url(base_url, e.photo_ids[0]) if e.photo_ids else "",
        } for e, case_no in rows]

    def _views(self, repo: open311_ports.Open311Repository, cases: list[Case], base_url: str) -> list[dict[str, Any]]:
        ids = [c.id for c in cases if c.id is not None]
        wanted = [a.value for a in (*PUBLIC_NOTE_ACTIONS, Action.REPORT)]
        notes: dict[int, str] = {}
        sent_media: dict[int, str] = {}
        for e in repo.events_of(ids, wanted):
            assert e.case_id is not None
            if e.action is Action.REPORT:
                extras = (e.payload.get("attributes") or {}).get(EXTRAS_KEY) or {}
                if isinstance(extras, dict) and extras.get("media_url"):
                    sent_media[e.case_id] = str(extras["media_url"])
            elif gr.public_note(e):
                notes[e.case_id] = gr.public_note(e)  # oldest first: the last one wins
        first_photo: dict[int, int] = {}
        first_before: dict[int, int] = {}  # the reporter's photo shows the problem best
        for p in repo.photos_of(ids):
            first_photo.setdefault(p["case_id"], p["id"])
            if p["kind"] == "before":
                first_before.setdefault(p["case_id"], p["id"])
        catalogue = catalogue_services.catalogue(self.rt)
        units = accounts.unit_names(self.rt)
        out = []
        for c in cases:
            assert c.id is not None
            photo = first_before.get(c.id) or first_photo.get(c.id)
            out.append({
                "service_request_id": c.case_no,
                "status": gr.status_of(c.state),
                "status_notes": notes.get(c.id) or c.state.label,
                "service_name": catalogue.name(c.category_code),
                "service_code": c.category_code,
                "description": c.description,
                "agency_responsible": units.get(c.main_unit_id or c.suggested_unit_id or 0, ""),
                "service_notice": f"处置时限：{c.limit.label}" if c.limit else "",
                "requested_datetime": self.iso(c.reported_at),
                "updated_datetime": self.iso(c.updated_at or c.reported_at),
                "expected_datetime": self.iso(c.deadline) if c.deadline else None,
                "address": c.address,
                "address_id": None,
                "zipcode": None,
                "lat": c.lat,
                "long": c.lon,
                "media_url": _photo_url(base_url, photo) if photo else sent_media.get(c.id, ""),
            })
        return out

    def iso(self, moment: datetime) -> str:
        return moment.astimezone(self.rt.settings.tz).isoformat(timespec="seconds")


# ------------------------------------------------------------------ helpers
REFUSED_KEY = "api_key 无效或已被吊销"
KNOWN_KEY_TTL = 300.0  # how long a worker remembers which client a key belongs to (never whether it is valid)


@dataclass(frozen=True, slots=True)
class still_valid:  # noqa: N801 - read as a phrase: guard=still_valid(client)
    """Checked in the report's write transaction: the client's key has not been revoked meanwhile (by any
    worker); once per batch and client (equal guards run once). The unit of work the intake writer hands
    over is the composition root's, which serves every context's port (unit_of_work.satisfies_every_port)."""

    client: ClientApp

    def __call__(self, uow: Any) -> None:
        row = cast(open311_ports.Open311UnitOfWork, uow).open311.client(self.client.id)
        if row is None or row["revoked_at"] is not None:
            raise Forbidden(REFUSED_KEY)


def _then(future: Future[R], then: Callable[[R], S]) -> Future[S]:
    """A future of `then(result)`: an error passes through unchanged."""
    out: Future[S] = Future()

    def done(f: Future[R]) -> None:
        error = f.exception()
        if error is not None:
            out.set_exception(error)
            return
        try:
            out.set_result(then(f.result()))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            out.set_exception(exc)

    future.add_done_callback(done)
    return out


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _client_view(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "key_prefix": row["key_prefix"],
            "created_at": row["created_at"], "created_by": row.get("created_by") or "",
            "revoked_at": row.get("revoked_at"), "active": row.get("revoked_at") is None}


def _definitions(cat: Category) -> tuple[attrs.AttributeDef, ...]:
    """The category's questions; a stored definition that no longer parses is skipped, not blamed on
    the client (admins should be stopped earlier, when they save it)."""
    try:
        return attrs.parse_definitions(cat.attributes)
    except InvalidInput:
        log.warning("category %s has invalid attribute definitions; checking each", cat.code)
    good = []
    for i, raw in enumerate(cat.attributes):
        try:
            good.append(attrs.parse_definition(raw, i))
        except InvalidInput as exc:
            log.warning("category %s: attribute #%d skipped: %s", cat.code, i, exc.message)
    return tuple(sorted({d.code: d for d in good}.values(), key=lambda d: (d.order, d.code)))


def _photo_url(base_url: str, photo_id: int) -> str:
    return f"{base_url}/api/v1/photos/{photo_id}"
