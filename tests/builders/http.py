"""Page tests: the app over the test runtime, a TestClient signed in as any of the city's users, and
helpers to move cases along through the services (fast) when a test only needs a case in some state."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.org import tables as org_tables
from citysteward.platform.runtime import Runtime


def png(colour: tuple[int, int, int] = (200, 80, 60), size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


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
