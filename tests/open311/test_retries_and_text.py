"""Open311 POST requests.{json,xml}: an Idempotency-Key retry gets the first service request; the same key
with another body is a 422; keys are the client application's own. Text follows the shared rule
(kernel/text.py): a control character or a body that is not UTF-8 is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from citysteward.platform.runtime import Runtime
from tests.builders.http import stored
from tests.builders.open311 import MANHOLE, V2, edited_category, form, new_key, post, xml_root
from tests.conftest import City

KEY = {"Idempotency-Key": "0b9e4f8c-61a4-4d3e-a0a7-3f6c2b8d9e10"}


def test_a_retry_with_the_same_key_returns_the_first_request(client: TestClient, rt: Runtime, api_key: str) -> None:
    first = post(client, form(api_key), headers=KEY)
    assert first.status_code == 200, first.text
    after_first = stored(rt)
    again = post(client, form(api_key), headers=KEY)
    assert again.status_code == 200 and again.json() == first.json()
    as_xml = post(client, form(api_key), "xml", headers=KEY)  # the same request, the other format
    request = xml_root(as_xml, "service_requests").find("request")
    assert request is not None and request.findtext("service_request_id") == first.json()[0]["service_request_id"]
    assert stored(rt) == after_first


def test_a_retry_of_a_retired_service_still_gets_its_first_answer(client: TestClient, rt: Runtime, city: City,
                                                                 api_key: str) -> None:
    first = post(client, form(api_key), headers=KEY)
    with edited_category(rt, city, MANHOLE, active=False):
        again = post(client, form(api_key), headers=KEY)
        assert again.status_code == 200 and again.json() == first.json()
        assert post(client, form(api_key)).status_code == 400  # a new request is refused


def test_the_same_key_with_another_body_is_a_422(client: TestClient, rt: Runtime, api_key: str) -> None:
    post(client, form(api_key), headers=KEY)
    before = stored(rt)
    r = post(client, form(api_key, description="另一处井盖"), headers=KEY)
    assert r.status_code == 422
    [error] = r.json()
    assert error["code"] == 422 and "Idempotency-Key" in error["description"]
    assert stored(rt) == before


def test_keys_are_the_client_application_s_own(client: TestClient, rt: Runtime, city: City, api_key: str) -> None:
    other_key = new_key(rt, city, "另一个 App")["api_key"]
    mine = post(client, form(api_key), headers=KEY).json()[0]["service_request_id"]
    theirs = post(client, form(other_key), headers=KEY).json()[0]["service_request_id"]
    assert mine != theirs


def test_a_revoked_key_is_refused_even_for_a_retry(client: TestClient, rt: Runtime, city: City,
                                                   issued: dict[str, Any]) -> None:
    from citysteward.open311.services import GeoReport

    post(client, form(issued["api_key"]), headers=KEY)
    GeoReport(rt).revoke_key(city.actor("admin"), issued["id"])
    assert post(client, form(issued["api_key"]), headers=KEY).status_code == 403


def test_control_characters_and_bad_encoding_are_refused(client: TestClient, rt: Runtime, api_key: str) -> None:
    before = stored(rt)
    r = post(client, form(api_key, address_string="人民路\x1b[31m"))
    assert r.status_code == 400 and "address_string" in r.json()[0]["description"]
    r = client.post(f"{V2}/requests.json", content=f"api_key={api_key}&service_code=BJ01002&description=%E4%BA%95%FF"
                    .encode(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "UTF-8" in r.json()[0]["description"]
    r = client.post(f"{V2}/requests.json", json={"api_key": api_key, **form(None, description="井盖\x07破损")})
    assert r.status_code == 400 and "description" in r.json()[0]["description"]
    assert stored(rt) == before


def test_a_key_revoked_by_another_worker_is_refused_at_its_next_report(rt: Runtime, city: City,
                                                                      issued: dict[str, Any]) -> None:
    """Each worker remembers which client a key belongs to; whether it is still valid is checked in the
    report's own write transaction, so a revocation anywhere counts at once, retries included."""
    from citysteward.bootstrap import create_app
    from citysteward.open311.services import GeoReport

    other = Runtime(uow=rt.uow, settings=rt.settings, clock=rt.clock)  # another worker: its own memory
    other_client = TestClient(create_app(runtime=other))
    assert post(other_client, form(issued["api_key"]), headers=KEY).status_code == 200  # it knows the key now
    GeoReport(rt).revoke_key(city.actor("admin"), issued["id"])  # revoked through this worker
    before = stored(rt)
    refused = post(other_client, form(issued["api_key"]))
    assert refused.status_code == 403 and "吊销" in refused.json()[0]["description"]
    assert post(other_client, form(issued["api_key"]), headers=KEY).status_code == 403  # a retry too
    assert stored(rt) == before
