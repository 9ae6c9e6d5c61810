"""Idempotent intake (docs/security.md "Idempotent intake"): a report retried with the same
Idempotency-Key gets the first answer and creates nothing; the same key with another body is a 422;
racing duplicates make one case; keys expire — REST (JSON and multipart), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from citysteward.cases import tables as cases_tables
from citysteward.cases.domain.idempotency import IdempotencyKey, fingerprint
from citysteward.cases.services import intake
from citysteward.config import Settings
from citysteward.platform.db import make_engine
from citysteward.platform.runtime import Runtime
from citysteward.unit_of_work import SqlUnitOfWorkFactory
from tests.builders.http import assert_error, png, stored
from tests.builders.open311 import edited_category
from tests.cases.test_rest_api import MANHOLE, report_body
from tests.conftest import City, grid_point

KEY = "5f0c7a52-8d8e-4a4b-9d55-1b0f3c1e2a77"


def keys_stored(rt: Runtime) -> int:
    with rt.uow(readonly=True) as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        return int(conn.execute(select(func.count()).select_from(cases_tables.idempotency_keys)).scalar_one())


def post(client: TestClient, key: str | None = KEY, headers: dict[str, str] | None = None, **body: Any) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/reports", json=report_body(**body), headers={**extra, **(headers or {})})


def test_a_retry_with_the_same_key_returns_the_first_case(client: TestClient, rt: Runtime) -> None:
    first = post(client)
    assert first.status_code == 201, first.text
    after_first = stored(rt)
    retry = post(client)
    assert retry.status_code == 201 and retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert stored(rt) == after_first  # no case, event, number or photo more
    assert keys_stored(rt) == 1


def test_without_a_key_a_retry_is_a_new_report(client: TestClient, rt: Runtime) -> None:
    assert post(client, key=None).json()["case_no"] != post(client, key=None).json()["case_no"]


def test_the_same_key_with_another_body_is_refused(client: TestClient, rt: Runtime) -> None:
    first = post(client)
    before = stored(rt)
    r = post(client, description="另一处井盖也坏了")
    body = assert_error(r, 422, "idempotency_key_reused")
    assert body["detail"] == {"field": "Idempotency-Key"}
    assert stored(rt) == before
    assert post(client).json() == first.json()  # the key still answers for its own report


def test_key_order_and_spacing_do_not_make_another_body(client: TestClient) -> None:
    first = post(client)
    body = report_body()
    text = "{" + ", ".join(f'"{k}" : {v!r}'.replace("'", '"') for k, v in reversed(list(body.items()))) + "}"
    retry = client.post("/api/v1/reports", content=text.encode(), headers={"Idempotency-Key": KEY,
                                                                       "content-type": "application/json"})
    assert retry.status_code == 201, retry.text
    assert retry.json() == first.json()


def test_a_multipart_retry_with_photos_returns_the_first_case(client: TestClient, rt: Runtime,
                                                              token: Callable[[str], dict[str, str]]) -> None:
    data = {k: str(v) for k, v in report_body().items()}
    headers = {"Idempotency-Key": KEY, **token("inspector")}
    files = [("photos", ("a.png", png(), "image/png"))]
    first = client.post("/api/v1/reports", data=data, files=files, headers=headers)  # a random boundary each time
    assert first.status_code == 201, first.text
    after_first = stored(rt)
    retry = client.post("/api/v1/reports", data=data, files=files, headers=headers)
    assert retry.status_code == 201 and retry.json() == first.json()
    assert stored(rt) == after_first
    other_photo = client.post("/api/v1/reports", data=data, files=[("photos", ("a.png", png((1, 2, 3)), "image/png"))],
                              headers=headers)
    assert_error(other_photo, 422, "idempotency_key_reused")


def test_a_retry_the_rules_now_refuse_still_gets_its_first_answer(client: TestClient, rt: Runtime,
                                                                  city: City) -> None:
    first = post(client)
    with edited_category(rt, city, MANHOLE, active=False):  # retired between the first try and the retry
        retry = post(client)
        assert retry.status_code == 201 and retry.json() == first.json()
        assert_error(post(client, key="a-new-report"), 422)  # a new report is refused
        assert_error(post(client, description="另一处"), 422, "idempotency_key_reused")


def test_keys_belong_to_their_client(client: TestClient, rt: Runtime, token: Callable[[str], dict[str, str]]) -> None:
    hotline = post(client, headers=token("hotline"))
    inspector = post(client, headers=token("inspector"))
    anonymous = post(client)
    assert len({hotline.json()["case_no"], inspector.json()["case_no"], anonymous.json()["case_no"]}) == 3
    assert post(client, headers=token("hotline")).json() == hotline.json()
    assert keys_stored(rt) == 3


@pytest.mark.parametrize("key", ["", "有中文", "a b", "x" * 256])
def test_a_malformed_key_is_refused(client: TestClient, rt: Runtime, key: str) -> None:
    before = stored(rt)
    r = client.post("/api/v1/reports", json=report_body(), headers={"Idempotency-Key": key.encode()})
    assert_error(r, 422, "invalid_input")
    assert stored(rt) == before


def test_keys_expire_and_are_pruned(client: TestClient, rt: Runtime, clock: Any) -> None:
    first = post(client)
    post(client, key="another-key")
    clock.advance(hours=23)
    assert post(client).json() == first.json()  # still remembered
    clock.advance(hours=2)
    again = post(client)
    assert again.status_code == 201 and again.json()["case_no"] != first.json()["case_no"]
    assert "Idempotent-Replayed" not in again.headers
    assert keys_stored(rt) == 1  # the other expired key is gone


def test_concurrent_retries_make_one_case(client: TestClient, rt: Runtime) -> None:
    before = stored(rt)["cases"]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: post(client), range(8)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["case_no"] for r in replies}) == 1
    assert stored(rt)["cases"] == before + 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in replies) == 7


def test_a_batch_holding_one_key_twice_writes_one_case(city: City) -> None:
    """Reports queued together reach the group commit's writer as one batch."""
    rt = city.rt
    lon, lat = grid_point(2, 5)
    data = intake.ReportInput(category_code="06010", description="暴露垃圾", lon=lon, lat=lat)
    key = IdempotencyKey(KEY, "user:1", fingerprint({"report": 1}))
    actor = city.actor("hotline")
    futures = [intake.submit_report(rt, data, actor, key) for _ in range(5)]
    results = [f.result() for f in futures]
    assert len({r.case_no for r in results}) == 1 and sum(not r.replayed for r in results) == 1
    assert stored(rt)["cases"] == 1


def test_a_key_claimed_by_another_worker_is_waited_for(city: City) -> None:
    """Two app workers (two engines, two group-commit writers) get the same key at once: the second waits
    for the first's transaction and answers with its case (the primary key, then a re-read)."""
    rt = city.rt
    other = Runtime(uow=SqlUnitOfWorkFactory(make_engine(rt.settings.database_url)),
                    settings=Settings(database_url=rt.settings.database_url, media_dir=rt.settings.media_dir),
                    clock=rt.clock)
    lon, lat = grid_point(2, 5)
    data = intake.ReportInput(category_code="06010", description="暴露垃圾", lon=lon, lat=lat)
    actor = city.actor("hotline")
    key = IdempotencyKey(KEY, f"user:{actor.user_id}", fingerprint({"report": 1}))
    answer = {"case_no": "JZ20261117-00001", "id": 1, "state": "reported", "grid_code": "410802001002005",
              "public_token": "t0ken", "version": 1}
    with rt.uow() as first_worker:  # the first worker has claimed the key and is writing its case
        assert first_worker.idempotency.claim([key], rt.now()) == {key.ident}
        waiting = threading.Thread(target=lambda: results.append(intake.report_case(other, data, actor, key)))
        results: list[intake.ReportResult] = []
        waiting.start()
        time.sleep(0.5)
        assert not results  # the second worker cannot answer before the first commits
        first_worker.idempotency.complete([(key, 201, answer)])
        first_worker.commit()
    waiting.join(30)
    assert results and results[0].replayed and results[0].to_json() == answer
    assert stored(rt)["cases"] == 0  # the second worker wrote nothing of its own
    other.uow.engine.dispose()  # type: ignore[attr-defined]


def test_the_openapi_documents_the_header(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/reports", "/open311/v2/requests.json", "/open311/v2/requests.xml"):
        params = paths[path]["post"].get("parameters", [])
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params), path
