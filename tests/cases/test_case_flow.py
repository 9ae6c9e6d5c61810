"""One case walked through every step; the timeline records each step. Each test runs on the in-memory
fake unit of work (no database: the ports are complete) and on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from citysteward.cases.domain.ledger import CaseFilter
from citysteward.cases.domain.model import Action
from citysteward.cases.services import actions as cases
from citysteward.cases.services import intake
from citysteward.cases.services.actions import ActionInput
from citysteward.kernel.actor import Actor, Role
from citysteward.kernel.errors import Forbidden, IllegalTransition, InvalidInput, NotFound, OutsideCity, StaleCase
from citysteward.platform.runtime import Runtime
from tests.conftest import BACKENDS_WITH_FAKE, City, grid_point

pytestmark = pytest.mark.parametrize("db_url", BACKENDS_WITH_FAKE, indirect=True)
MANHOLE = "BJ01002"  # 污水井盖 (component, class 01 -> facility unit by rule)


def report(city: City, who: str = "hotline", category: str = MANHOLE, **kw: object) -> intake.ReportResult:
    lon, lat = grid_point(1, 3)
    data = intake.ReportInput(category_code=category, description="人民路污水井盖破损", lon=lon, lat=lat,
                              address="人民路与塔南路交叉口", reporter_name="张三丰", reporter_phone="13812341234",
                              **kw)  # type: ignore[arg-type]
    return intake.report_case(city.rt, data, city.actor(who))


def act(city: City, who: str, case_no: str, action: Action, **kw: object) -> dict:
    version = cases.case_detail(city.rt, case_no, city.actor("admin") if who == "citizen" else city.actor(who)
                              ).version if "version" not in kw else kw.pop("version")
    return cases.perform_action(city.rt, case_no, action, city.actor(who), ActionInput(version=version, **kw))  # type: ignore[arg-type]


def test_a_case_walks_every_step_including_rework(city: City, clock) -> None:
    r = report(city)
    assert r.case_no.startswith("JZ20261117-")
    assert r.grid_code == "410802001001003"
    act(city, "acceptor", r.case_no, Action.ACCEPT)
    clock.advance(minutes=20)
    act(city, "inspector", r.case_no, Action.VERIFY, note="现场核实属实")
    act(city, "acceptor", r.case_no, Action.REGISTER)
    detail = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher"))
    assert detail.routing.suggested_unit_id == city.units["facility"]
    assert "市市政设施所" in (detail.routing.reason or "")
    act(city, "dispatcher", r.case_no, Action.DISPATCH, unit_id=city.units["facility"])
    act(city, "facility", r.case_no, Action.ACCEPT_TASK)
    clock.advance(hours=1)
    act(city, "facility", r.case_no, Action.HANDLE, note="已更换井盖")
    act(city, "inspector", r.case_no, Action.CHECK_FAIL, note="井盖松动，需返工")
    detail = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher"))
    assert detail.state == "dispatched" and detail.rework_count == 1
    act(city, "facility", r.case_no, Action.HANDLE, note="已加固井盖")
    act(city, "inspector", r.case_no, Action.CHECK_PASS)
    act(city, "leader", r.case_no, Action.CLOSE)
    detail = cases.case_detail(city.rt, r.case_no, city.actor("leader"))
    assert detail.state == "closed"
    steps = [(e.action, e.role, e.actor) for e in detail.timeline]
    assert [s[0] for s in steps] == [
        "report", "accept", "verify", "register", "dispatch", "accept_task", "handle", "check_fail", "handle",
        "check_pass", "close"]
    facility_steps = [e for e in detail.timeline if e.role == "unit"]
    assert all(e.unit_name == "市市政设施所" for e in facility_steps)
    assert all(e.at is not None and e.actor for e in detail.timeline)


def test_illegal_transition_and_wrong_role_are_refused_and_change_nothing(city: City) -> None:
    r = report(city)
    with pytest.raises(IllegalTransition):
        act(city, "leader", r.case_no, Action.CLOSE)
    with pytest.raises(Forbidden):
        act(city, "inspector", r.case_no, Action.REGISTER)
    detail = cases.case_detail(city.rt, r.case_no, city.actor("leader"))
    assert detail.state == "reported" and detail.version == 1 and len(detail.timeline) == 1


def test_stale_version_gets_conflict(city: City) -> None:
    r = report(city)
    act(city, "acceptor", r.case_no, Action.ACCEPT, version=1)
    with pytest.raises(StaleCase):
        act(city, "acceptor", r.case_no, Action.VOID, version=1, note="重复")
    assert cases.case_detail(city.rt, r.case_no, city.actor("leader")).state == "pending_verify"


def test_unit_sees_only_its_own_cases(city: City) -> None:
    r = report(city)
    for who, action, kw in (("acceptor", Action.REGISTER, {}),
                            ("dispatcher", Action.DISPATCH, {"unit_id": city.units["facility"]})):
        act(city, who, r.case_no, action, **kw)
    assert cases.case_detail(city.rt, r.case_no, city.actor("facility")).state == "dispatched"
    with pytest.raises(NotFound):
        cases.case_detail(city.rt, r.case_no, city.actor("sanitation"))
    with pytest.raises(NotFound):
        act(city, "sanitation", r.case_no, Action.HANDLE, version=3, note="x")
    listed = cases.list_cases(city.rt, city.actor("sanitation"), CaseFilter())
    assert listed["total"] == 0
    assert cases.list_cases(city.rt, city.actor("facility"), CaseFilter())["total"] == 1


def test_personal_data_is_masked_for_roles_that_do_not_need_it(city: City) -> None:
    r = report(city)
    seen = cases.case_detail(city.rt, r.case_no, city.actor("acceptor"))
    assert seen.reporter_phone == "13812341234"
    masked = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher"))
    assert masked.reporter_phone == "138****1234" and masked.reporter_name == "张*丰"
    public = cases.public_case(city.rt, r.case_no)
    assert "reporter_phone" not in public and "13812341234" not in str(public)


def test_bad_reports_are_refused_and_store_nothing(city: City) -> None:
    with pytest.raises(InvalidInput):
        report(city, category="NOPE")
    with pytest.raises(OutsideCity):
        intake.report_case(city.rt, intake.ReportInput(category_code=MANHOLE, description="x", lon=116.4, lat=39.9),
                           city.actor("hotline"))
    assert cases.list_cases(city.rt, city.actor("leader"), CaseFilter())["total"] == 0


def test_suspension_extension_and_return(city: City, clock) -> None:
    r = report(city)
    act(city, "acceptor", r.case_no, Action.REGISTER)
    act(city, "dispatcher", r.case_no, Action.DISPATCH, unit_id=city.units["facility"])
    d0 = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher")).deadline
    act(city, "facility", r.case_no, Action.ACCEPT_TASK)
    act(city, "facility", r.case_no, Action.REQUEST_EXTENSION, note="需要定制井盖",
        extension={"amount": 4, "unit": "natural_hours"})
    act(city, "dispatcher", r.case_no, Action.APPROVE_EXTENSION)
    d1 = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher")).deadline
    assert d1 - d0 == timedelta(hours=4)
    act(city, "facility", r.case_no, Action.REQUEST_SUSPEND, note="需纳入改造工程")
    act(city, "dispatcher", r.case_no, Action.APPROVE_SUSPEND)
    clock.advance(hours=3)
    act(city, "dispatcher", r.case_no, Action.RESUME)
    d2 = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher")).deadline
    assert d2 - d1 == timedelta(hours=3)  # natural-hours limit: suspension time is added back
    act(city, "facility", r.case_no, Action.REQUEST_RETURN, note="不属于本单位")
    act(city, "dispatcher", r.case_no, Action.APPROVE_RETURN)
    detail = cases.case_detail(city.rt, r.case_no, city.actor("dispatcher"))
    assert detail.state == "registered" and detail.main_unit_id is None


def test_inspector_self_handles_a_small_problem(city: City) -> None:
    r = report(city, who="inspector", self_handled=True)
    assert r.state == "checked"
    act(city, "leader", r.case_no, Action.CLOSE)
    assert cases.case_detail(city.rt, r.case_no, city.actor("leader")).state == "closed"


def test_citizen_rates_and_reopens_into_the_check_step(city: City) -> None:
    r = report(city, who="inspector", self_handled=True)
    act(city, "leader", r.case_no, Action.CLOSE)
    citizen = Actor(role=Role.CITIZEN, name="市民")
    with pytest.raises(Forbidden):  # a guessed case number is not enough
        cases.perform_action(city.rt, r.case_no, Action.REOPEN, citizen, ActionInput(version=None, note="还是坏的"))
    with pytest.raises(Forbidden):
        cases.perform_action(city.rt, r.case_no, Action.RATE, citizen,
                             ActionInput(version=None, satisfaction="satisfied", token="guess"))
    cases.perform_action(city.rt, r.case_no, Action.REOPEN, citizen,
                         ActionInput(version=None, note="还是坏的", token=r.public_token))
    assert cases.public_case(city.rt, r.case_no)["state"] == "handled"


# ------------------------------------------------------------------ the unit of work, on every back end
def test_leaving_a_unit_of_work_without_commit_discards_its_writes(rt: Runtime) -> None:
    with rt.uow() as uow:
        uow.org.add_unit({"code": "gone", "name": "未提交的单位", "kind": "facility", "active": True})
        assert uow.org.unit_by_name("gone") is not None  # a unit sees its own writes
    with rt.uow() as uow:
        assert uow.org.unit_by_name("gone") is None
        kept = uow.org.add_unit({"code": "kept", "name": "已提交的单位", "kind": "facility", "active": True})
        uow.commit()
    with rt.uow(readonly=True) as uow:
        assert uow.org.unit_by_name("gone") is None
        assert (uow.org.unit(kept) or {})["name"] == "已提交的单位"


def test_saving_a_case_at_a_stale_version_raises_stale_case(city: City) -> None:
    r = report(city)
    with city.rt.uow() as uow:
        first = uow.cases.get(r.case_no)
        second = uow.cases.get(r.case_no)
        assert first is not None and second is not None and first.version == 1
        first.description = "第一次修改"
        uow.cases.save(first, 1)
        assert first.version == 2
        second.description = "以旧版本修改"
        with pytest.raises(StaleCase):
            uow.cases.save(second, 1)
        uow.commit()
    with city.rt.uow(readonly=True) as uow:
        stored = uow.cases.get(r.case_no)
        assert stored is not None and (stored.version, stored.description) == (2, "第一次修改")
