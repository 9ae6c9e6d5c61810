"""The case ledger page (问题台账): filters, sorting, pages (htmx partial `_case_table.html`) and the
export of the filtered list to Excel."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from openpyxl import Workbook
from starlette.datastructures import QueryParams

from citysteward.cases.domain.ledger import CaseFilter, parse_case_filter
from citysteward.cases.domain.model import CaseState, Source
from citysteward.cases.services import actions as case_service
from citysteward.catalogue import services as catalogue_services
from citysteward.catalogue.domain.categories import Urgency
from citysteward.geography import services as geography_services
from citysteward.kernel.deadlines import Light
from citysteward.org.deps import PageUser, Shell
from citysteward.org.services import accounts
from citysteward.org.services.auth import StaffUser
from citysteward.platform.http.deps import RuntimeDep
from citysteward.platform.http.pages import PageRoute, is_htmx, render
from citysteward.platform.runtime import Runtime
from citysteward.platform.xlsx import row_of

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ORDERS = {"newest": "最新上报", "oldest": "最早上报", "deadline": "期限最近"}
PAGE_SIZES = (20, 50, 100)
EXPORT_LIMIT = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class LedgerQuery:
    """The ledger's filters as the browser sends them (query string), and as the service wants them."""

    state: tuple[str, ...] = ()
    category: str = ""
    unit: str = ""
    grid: str = ""
    district: str = ""
    source: str = ""
    light: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    overdue: bool = False
    pending: bool = False
    order: str = "newest"
    page: int = 1
    page_size: int = 20

    @classmethod
    def parse(cls, params: QueryParams) -> LedgerQuery:
        def one(key: str) -> str:
            return (params.get(key) or "").strip()

        def number(key: str, default: int) -> int:
            try:
                return max(1, int(one(key) or default))
            except ValueError:
                return default

        size = number("page_size", 20)
        return cls(
            state=tuple(s for s in params.getlist("state") if s), category=one("category"), unit=one("unit"),
            grid=one("grid"), district=one("district"), source=one("source"), light=one("light"),
            date_from=one("date_from"), date_to=one("date_to"), q=one("q")[:100],
            overdue=one("overdue") in ("1", "true", "on"), pending=one("pending") in ("1", "true", "on"),
            order=one("order") if one("order") in ORDERS else "newest", page=number("page", 1),
            page_size=size if size in PAGE_SIZES else 20,
        )

    def filter(self, tz: ZoneInfo) -> CaseFilter:
        """Dates are local days: `date_to` includes the whole day. An unticked box filters nothing."""
        return parse_case_filter({
            "state": self.state, "category": [self.category], "unit": [self.unit], "grid": [self.grid],
            "district": [self.district], "source": [self.source], "light": [self.light],
            "date_from": [self.date_from], "date_to": [self.date_to], "q": [self.q],
            "overdue": [True] if self.overdue else [], "pending": [True] if self.pending else [],
        }, tz)

    def query_string(self, **changes: Any) -> str:
        q = replace(self, **changes)
        pairs: list[tuple[str, Any]] = [("state", s) for s in q.state]
        for key in ("category", "unit", "grid", "district", "source", "light", "date_from", "date_to", "q"):
            if getattr(q, key):
                pairs.append((key, getattr(q, key)))
        pairs += [(k, "1") for k in ("overdue", "pending") if getattr(q, k)]
        pairs += [("order", q.order), ("page", q.page), ("page_size", q.page_size)]
        return urlencode(pairs)


@dataclass(frozen=True)
class Options:
    """What the filter form offers."""

    states: list[CaseState]
    sources: list[Source]
    lights: list[Light]
    units: list[dict[str, Any]]
    districts: list[tuple[str, str]]
    grids: list[tuple[str, str]]
    category_groups: list[tuple[str, list[tuple[str, str]]]]
    orders: dict[str, str] = field(default_factory=lambda: dict(ORDERS))
    page_sizes: tuple[int, ...] = PAGE_SIZES


@dataclass(frozen=True)
class CaseTable:
    query: LedgerQuery
    items: list[dict[str, Any]]
    total: int
    pages: int
    capped: bool = False

    @property
    def export_href(self) -> str:
        return "/console/cases/export.xlsx?" + self.query.query_string(page=1)


@dataclass(frozen=True)
class LedgerPage:
    shell: Shell
    table: CaseTable
    options: Options


def _options(rt: Runtime) -> Options:
    names = geography_services.area_names(rt)
    groups: dict[str, list[tuple[str, str]]] = {}
    for cat in sorted(catalogue_services.catalogue(rt).by_code.values(), key=lambda c: (c.class_code, c.code)):
        if cat.active:
            groups.setdefault(f"{cat.class_code} {cat.class_name}", []).append((cat.code, cat.name))
    grids = sorted((c, n) for c, n in names.items() if len(c) == 15)
    return Options(
        states=list(CaseState), sources=list(Source), lights=list(Light), units=accounts.list_units(rt),
        districts=sorted((c, n) for c, n in names.items() if len(c) == 6), grids=grids[:500],
        category_groups=list(groups.items()),
    )


def _table(rt: Runtime, user: StaffUser, query: LedgerQuery) -> CaseTable:
    listed = case_service.list_cases(rt, user.actor, query.filter(rt.settings.tz), query.page, query.page_size,
                                     query.order)
    pages = max(1, -(-listed["total"] // query.page_size))
    return CaseTable(query, listed["items"], listed["total"], pages, bool(listed.get("total_capped")))


@router.get("/console/cases", response_class=HTMLResponse)
def ledger(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    query = LedgerQuery.parse(request.query_params)
    table = _table(rt, user, query)
    if is_htmx(request, "case-table"):
        return render(request, "console/_case_table.html", table)
    return render(request, "console/cases.html", LedgerPage(Shell.of(user, "cases"), table, _options(rt)))


# ------------------------------------------------------------------ Excel export
COLUMNS = [("案件编号", 18), ("状态", 9), ("来源", 12), ("类别", 16), ("紧急程度", 8), ("问题描述", 40),
           ("地址", 24), ("区", 10), ("街道", 12), ("网格", 17), ("主办单位", 16), ("计时灯", 7),
           ("超期", 6), ("上报时间", 17), ("处置期限", 17)]


def _row(r: dict[str, Any], tz: ZoneInfo) -> list[Any]:
    def local(value: datetime | None) -> str:
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M") if value else ""

    return [r["case_no"], r["state_label"], r["source_label"], r["category_name"], Urgency(r["urgency"]).label,
            r["description"], r["address"], r["district_name"] or "", r["street_name"] or "", r["grid_code"],
            r["main_unit_name"] or "", r["light_label"] or "", "是" if r["overdue"] else "",
            local(r["reported_at"]), local(r["deadline"])]


def _xlsx_chunks(rt: Runtime, user: StaffUser, f: CaseFilter, order: str) -> Iterator[bytes]:
    """Pages of the ledger into a write-only workbook (constant memory), then the file in chunks. The headers
    are sent before the first row is read, so a cell openpyxl refused used to cut the download off."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("案件台账")
    for i, (_title, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    ws.append([title for title, _ in COLUMNS])
    page, written = 1, 0
    while written < EXPORT_LIMIT:
        listed = case_service.list_cases(rt, user.actor, f, page, 200, order)
        for r in listed["items"]:
            ws.append(row_of(ws, _row(r, rt.settings.tz)))  # stored text stays text (platform/xlsx.py)
        written += len(listed["items"])
        if len(listed["items"]) < 200:  # the total is capped for big ledgers: read until a short page
            break
        page += 1
    if written >= EXPORT_LIMIT:
        ws.append([f"仅导出前 {EXPORT_LIMIT} 条，请缩小筛选范围后分批导出"])
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as buf:
        wb.save(buf)
        buf.seek(0)
        while chunk := buf.read(64 * 1024):
            yield chunk


@router.get("/console/cases/export.xlsx")
def export(request: Request, rt: RuntimeDep, user: PageUser) -> StreamingResponse:
    query = LedgerQuery.parse(request.query_params)
    f = query.filter(rt.settings.tz)  # bad filters are refused here, before streaming
    name = f"案件台账-{rt.now().astimezone(rt.settings.tz):%Y%m%d-%H%M}.xlsx"
    return StreamingResponse(
        _xlsx_chunks(rt, user, f, query.order), media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename=\"cases.xlsx\"; filename*=UTF-8''{quote(name)}"})
