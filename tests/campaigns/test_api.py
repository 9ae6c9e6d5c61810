"""The campaigns API: figures, nearby subjects, inspections as JSON, hand-over, and every 4xx in Chinese."""

from __future__ import annotations

from tests.builders.http import assert_error
from tests.campaigns.conftest import add_campaign, add_site
from tests.conftest import City, grid_point


def test_the_api_inspects_hands_over_and_counts(client, token, city: City, six: int) -> None:
    add_campaign(city)
    site = add_site(city)
    ins, sup = token("inspector"), token("supervisor")
    lon, lat = grid_point(1, 3)
    near = client.get("/api/v1/campaign-subjects/nearby", params={"lon": lon, "lat": lat}, headers=ins)
    assert near.status_code == 200 and near.json()[0]["id"] == site
    body = {"subject_id": site, "template_id": six, "campaign": "dust-2026",
            "results": [{"item_code": f"{i:02d}", "outcome": "na" if i == 5 else "pass"} for i in range(1, 7)]}
    body["results"][2]["outcome"] = "fail"
    assert_error(client.post("/api/v1/campaign-inspections", json=body, headers=ins), 422)  # photo required
    body["results"][2]["outcome"] = "pass"
    body["results"][3] = {"item_code": "04", "outcome": "fail"}
    assert_error(client.post("/api/v1/campaign-inspections", json=body, headers=ins), 422)
    body["results"][3] = {"item_code": "04", "outcome": "pass"}
    made = client.post("/api/v1/campaign-inspections", json=body, headers=ins)
    assert made.status_code == 201 and made.json()["score"] == 100.0
    detail = client.get(f"/api/v1/campaign-inspections/{made.json()['id']}", headers=sup).json()
    passed = detail["results"][0]["id"]
    assert_error(client.post(f"/api/v1/campaign-results/{passed}/hand-over", json={"to": "case"}, headers=ins), 422)
    assert_error(client.post(f"/api/v1/campaign-results/{passed}/hand-over", json={"to": "x"}, headers=ins), 422)
    assert_error(client.post("/api/v1/campaign-results/999999/hand-over", json={"to": "case"}, headers=ins), 404)
    fig = client.get("/api/v1/campaigns/dust-2026/figures", headers=sup).json()
    assert fig["inspections"] == 1 and fig["avg_score"] == 100.0
    na = next(i for i in fig["items"] if i["code"] == "05")
    assert (na["na"], na["rate"]) == (1, None)
    assert client.get("/api/v1/campaigns/dust-2026/daily", params={"day": "2026-11-17"}, headers=sup).status_code == 200
    assert_error(client.get("/api/v1/campaigns/dust-2026/daily", params={"day": "2026-10-01"}, headers=sup), 422)
    assert_error(client.get("/api/v1/campaigns/nope/figures", headers=sup), 404)
    assert_error(client.post("/api/v1/campaign-inspections", json=body, headers=token("hotline")), 403)
    assert_error(client.get("/api/v1/campaigns"), 401)
    ranking = client.get("/api/v1/campaign-appraisals", params={"date_from": "2026-11-01", "date_to": "2026-11-30",
                                                                 "scope": "unit", "case_weight": 0}, headers=sup)
    assert ranking.status_code == 200 and ranking.json()["rows"][0]["total"] == 100.0
    assert_error(client.get("/api/v1/campaign-appraisals", params={"date_from": "2026-11-01", "date_to": "2026-11-30",
                                                                    "scheme": "purple"}, headers=sup), 422)
    assert client.get("/api/v1/key-tasks", params={"month": "2026-11"}, headers=sup).json()["rows"] == []
