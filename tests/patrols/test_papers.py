"""Patrol figures in the daily sheet and the monthly bulletin (a separate section, the city's edition)."""

from __future__ import annotations

import pytest

from citysteward.evaluation.papers import build as papers
from citysteward.patrols.services import field
from tests.builders.cases import dispatched, report
from tests.conftest import City, FakeClock
from tests.patrols.conftest import centre, walk

# entry points and papers: SQLite is enough (the store runs on both in test_services / test_month_recount)
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_the_papers_carry_the_patrols(duty: City, clock: FakeClock):
    rt, me = duty.rt, duty.actor("inspector")
    field.clock(rt, me, "in")
    pid = field.start_patrol(rt, me)["patrol_id"]
    field.post_track(rt, me, pid, 0, walk(centre(1, 1), centre(1, 2), clock.now))
    dispatched(duty, report(duty, who="inspector", community=1, seq=1), "facility")
    field.end_patrol(rt, me, pid)
    day = clock.now.astimezone(rt.settings.tz).date()
    for paper in (papers.daily(rt, day), papers.monthly(rt, day)):
        section = next(s for s in paper.sections if s.title == "日常巡查情况")
        assert section.columns[:3] == ["监督员", "巡查人次", "有效巡查人次"]
        assert [row[:2] for row in section.rows] == [["监督员老王", 1], ["合计", 1]]
        assert section.rows[0][section.columns.index("上报数")] == 1
        assert str(section.rows[0][section.columns.index("漏报率")]) == "0.00%"  # found and registered, none missed
        assert "巡查 1 人次" in section.note
    unit_edition = papers.daily(rt, day, duty.actor("facility"))
    assert all(s.title != "日常巡查情况" for s in unit_edition.sections)
    name, content, _type = papers.build(rt, "monthly", day, "xlsx")
    assert name.endswith(".xlsx") and len(content) > 1000
