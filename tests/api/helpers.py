"""One assert helper for the error shape, and a snapshot of what is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.org import tables as org_tables
from citysteward.platform.runtime import Runtime


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "detail"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), f"message is not Chinese: {body['message']}"
    if code:
        assert body["error"] == code, body
    return body


def stored(rt: Runtime) -> dict[str, int]:
    """Row counts of everything a request could write."""
    with rt.uow(readonly=True) as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        return {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (("cases", cases_tables.cases), ("events", cases_tables.case_events), ("photos", cases_tables.photos),
                                ("numbers", cases_tables.case_numbers), ("audit", org_tables.audit_log), ("units", org_tables.units),
                                ("rules", cases_tables.responsibility_rules))
        } | {"versions": sum(conn.execute(select(cases_tables.cases.c.version)).scalars())}
