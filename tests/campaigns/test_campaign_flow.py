"""A campaign on both databases: the 六个百分之百 template, inspections at sites, a failed item that
becomes a case and is rectified (销号) when the case passes its check, another that becomes a ticket,
and the campaign figures recounted from the stored rows."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from citysteward.campaigns import tables as t
from citysteward.campaigns.domain import ChecklistItem
from citysteward.campaigns.services import figures, inspections, setup
from citysteward.cases.domain.model import Action
from citysteward.cases.services import photos
from citysteward.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from citysteward.supervision.domain.tickets import TicketAction
from citysteward.supervision.services import tickets as ticket_service
from tests.builders.cases import act
from tests.builders.http import png
from tests.campaigns.conftest import SIX, add_campaign, add_site
from tests.conftest import City


def _all_pass(template_id: int, subject_id: int, fail: dict[str, bool] | None = None, campaign: str = "dust-2026",
              rt=None) -> inspections.InspectionInput:
    fail = fail or {}
    photo = photos.prepare_photo(rt, png((150, 90, 40), (200, 150))) if fail else None
    return inspections.InspectionInput(
        subject_id=subject_id, template_id=template_id, round_kind="covert", campaign_code=campaign,
        results=tuple(inspections.ResultInput(f"{i:02d}", "fail" if fail.get(f"{i:02d}") else "pass",
                                              photos=(photo,) if fail.get(f"{i:02d}") and photo else ())
                      for i in range(1, len(SIX) + 1)))


def test_a_failed_item_becomes_a_case_and_is_rectified_when_the_case_passes_its_check(city: City, six: int) -> None:
    rt = city.rt
    code = add_campaign(city)
    site = add_site(city)
    other = add_site(city, "丰收路商业综合体工地", seq=5)
    assert setup.add_targets(rt, city.actor("supervisor"), code, [site, other]) == 2

    done = inspections.inspect(rt, city.actor("inspector"), _all_pass(six, site, {"02": True}, rt=rt))
    assert (done["passed"], done["failed"], done["score"]) == (5, 1, pytest.approx(83.33))
    inspections.inspect(rt, city.actor("inspector"), _all_pass(six, other, rt=rt))

    detail = inspections.inspection_detail(rt, done["id"])
    failed = next(r for r in detail["results"] if r["outcome"] == "fail")
    assert failed["problem"] == "open" and failed["photo_urls"]
    made = inspections.to_case(rt, city.actor("inspector"), failed["id"])
    with pytest.raises(Conflict):
        inspections.to_case(rt, city.actor("inspector"), failed["id"])

    fig = figures.campaign_figures(rt, code)
    assert fig["problems"] == {"found": 1, "handed": 1, "rectified": 0, "to_case": 1, "to_ticket": 0,
                               "rectify_rate": 0.0}
    assert fig["cases"]["total"] == 1

    # the street office handles it, the inspector's check passes: 销号
    act(city, "acceptor", made["case_no"], Action.REGISTER)
    act(city, "dispatcher", made["case_no"], Action.DISPATCH, unit_id=city.units["street"],
        override_reason="工地属地管理")
    with rt.uow() as uow:  # the street office has no user in the test city: give it one
        from tests.conftest import password_hash
        uid = uow.org.add_user({"username": "wangchu", "password_hash": password_hash(), "display_name": "王褚街道城管科",
                                "phone": "13800000001", "role": "unit", "unit_id": city.units["street"],
                                "active": True, "created_at": rt.now()})
        uow.commit()
    city.users["wangchu"] = {"id": uid, "role": "unit", "display_name": "王褚街道城管科", "unit_id": city.units["street"]}
    act(city, "wangchu", made["case_no"], Action.HANDLE, note="已全部覆盖防尘网")
    assert figures.campaign_figures(rt, code)["problems"]["rectified"] == 0
    act(city, "inspector", made["case_no"], Action.CHECK_PASS)

    fig = figures.campaign_figures(rt, code)
    assert fig["problems"]["rectified"] == 1 and fig["problems"]["rectify_rate"] == 100.0
    assert fig["inspections"] == 2 and fig["subjects_inspected"] == 2 and fig["targets_inspected"] == 2
    assert fig["avg_score"] == pytest.approx((83.33 + 100.0) / 2, abs=0.01)
    cover = next(i for i in fig["items"] if i["code"] == "02")
    assert (cover["pass"], cover["fail"], cover["rate"]) == (1, 1, 50.0)
    assert [p["name"] for p in fig["phases"]] == ["排查摸底", "集中整治", "巩固提升"]
    assert next(p for p in fig["phases"] if p["current"])["name"] == "集中整治"  # the clock: 2026-11-17

    daily = figures.daily_report(rt, code, date(2026, 11, 17))
    assert daily["today"]["inspections"] == 2
    assert any("已销号 1 个" in line for line in daily["lines"])

    with rt.uow(readonly=True) as uow:  # the stored case carries the item's photo
        case = uow.cases.get(made["case_no"])
        assert case is not None and case.category_code == SIX[1][1]
        assert len(uow.cases.photos(case.id)) == 1


def test_a_failed_item_becomes_a_ticket_to_the_subjects_unit(city: City, six: int) -> None:
    rt = city.rt
    code = add_campaign(city)
    site = add_site(city, unit="sanitation")
    done = inspections.inspect(rt, city.actor("supervisor"), _all_pass(six, site, {"06": True}, rt=rt))
    failed = next(r for r in inspections.inspection_detail(rt, done["id"])["results"] if r["outcome"] == "fail")
    with pytest.raises(Forbidden):
        inspections.to_case(rt, city.actor("supervisor"), failed["id"])
    made = inspections.to_ticket(rt, city.actor("supervisor"), failed["id"], "yellow")
    ticket_service.ticket_action(rt, made["ticket_no"], TicketAction.REPLY, city.actor("sanitation"), "已整改")
    ticket_service.ticket_action(rt, made["ticket_no"], TicketAction.ACCEPT, city.actor("supervisor"))
    fig = figures.campaign_figures(rt, code)
    assert fig["tickets"]["total"] == 1
    yellow = next(x for x in fig["tickets"]["by_level"] if x["level"] == "yellow")
    assert yellow == {"level": "yellow", "label": "黄色", "count": 1, "rectified": 1}
    assert fig["problems"]["rectified"] == 1 and fig["problems"]["to_ticket"] == 1


def test_bad_inspections_are_refused_and_nothing_is_stored(city: City, six: int) -> None:
    rt = city.rt
    add_campaign(city)
    site = add_site(city)
    inspector = city.actor("inspector")
    # a failure without the required photo
    no_photo = inspections.InspectionInput(site, six, "covert", tuple(
        inspections.ResultInput(f"{i:02d}", "fail" if i == 1 else "pass") for i in range(1, 7)))
    with pytest.raises(InvalidInput, match="须附现场照片"):
        inspections.inspect(rt, inspector, no_photo)
    missing = inspections.InspectionInput(site, six, "covert", (inspections.ResultInput("01", "pass"),))
    with pytest.raises(InvalidInput, match="尚未判定"):
        inspections.inspect(rt, inspector, missing)
    with pytest.raises(InvalidInput, match="检查方式"):
        inspections.inspect(rt, inspector, inspections.InspectionInput(site, six, "nope", ()))
    with pytest.raises(NotFound):
        inspections.inspect(rt, inspector, inspections.InspectionInput(site + 99, six, "covert", ()))
    with pytest.raises(Forbidden):
        inspections.inspect(rt, city.actor("hotline"), no_photo)
    with rt.uow(readonly=True) as uow:
        assert uow.conn.execute(select(t.inspections)).first() is None
        assert uow.conn.execute(select(t.inspection_results)).first() is None


def test_templates_are_versioned_and_old_inspections_keep_their_version(city: City, six: int) -> None:
    rt = city.rt
    admin = city.actor("admin")
    site = add_site(city)
    first = inspections.inspect(rt, city.actor("inspector"), _all_pass(six, site, campaign="", rt=rt))
    items = (*setup.template(rt, six).items, ChecklistItem("07", "公示牌 ≥ 1 块", 5.0, count_min=1, count_unit="块"))
    v2 = setup.save_template(rt, admin, setup.TemplateInput("six100", "建筑工地六个百分之百", "site", items))
    assert v2["version"] == 2
    assert [x["version"] for x in setup.templates(rt) if x["code"] == "six100"] == [2]
    assert len(inspections.inspection_detail(rt, first["id"])["template"].items) == 6
    with pytest.raises(Forbidden):
        setup.save_template(rt, city.actor("supervisor"), setup.TemplateInput("x", "x", "site", items))
    with pytest.raises(InvalidInput, match="案件类别"):
        setup.save_template(rt, admin, setup.TemplateInput("y", "y", "site", (ChecklistItem("01", "a", category_code="99999"),)))
    # the count rule decides its item: 0 of ≥ 1 fails
    res = [inspections.ResultInput(f"{i:02d}", "pass") for i in range(1, 7)]
    res.append(inspections.ResultInput("07", "pass", count=0))
    failed = inspections.inspect(rt, city.actor("inspector"), inspections.InspectionInput(
        site, v2["id"], "third_party", tuple(res)))
    assert (failed["failed"], failed["score"]) == (1, round(100 * 60 / 65, 2))
    res[-1] = inspections.ResultInput("07", "pass", count=2)
    pass_ = inspections.inspect(rt, city.actor("inspector"), inspections.InspectionInput(
        site, v2["id"], "third_party", tuple(res)))
    assert pass_["score"] == 100.0


def test_campaigns_refuse_bad_input(city: City) -> None:
    from citysteward.campaigns.domain import CampaignInput, Phase

    rt = city.rt
    add_campaign(city)
    with pytest.raises(Conflict):
        add_campaign(city)
    sup = city.actor("supervisor")
    with pytest.raises(InvalidInput, match="超出"):
        setup.create_campaign(rt, sup, CampaignInput("x1", "x", date(2026, 1, 1), date(2026, 1, 31),
                                                     phases=(Phase(1, "a", date(2026, 1, 1), date(2026, 2, 2)),)))
    with pytest.raises(Forbidden):
        setup.create_campaign(rt, city.actor("inspector"), CampaignInput("x2", "x", date(2026, 1, 1), date(2026, 1, 2)))
    with pytest.raises(InvalidInput, match="区域编码"):
        setup.create_campaign(rt, sup, CampaignInput("x3", "x", date(2026, 1, 1), date(2026, 1, 2), area_codes=("999",)))


def test_nearby_subjects_are_nearest_first(city: City) -> None:
    from tests.conftest import grid_point

    add_site(city, "近处工地", seq=3)
    add_site(city, "远处工地", seq=8, community=2)
    lon, lat = grid_point(1, 3)
    near = setup.nearby_subjects(city.rt, lon + 0.0005, lat, radius_m=1500)
    assert [s["name"] for s in near] == ["近处工地"]
    assert near[0]["distance_m"] < 100 and near[0]["area_code"] == "410802001"
