"""One assert helper for the error shape, and a snapshot of what is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from citysteward.services.runtime import Runtime
from citysteward.store import tables as t


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
            for name, table in (("cases", t.cases), ("events", t.case_events), ("photos", t.photos),
                                ("numbers", t.case_numbers), ("audit", t.audit_log), ("units", t.units),
                                ("rules", t.responsibility_rules))
        } | {"versions": sum(conn.execute(select(t.cases.c.version)).scalars())}
