"""New reports reach the intake desk's bell: one notice per report to each acceptor and shift leader,
once, however many worker rounds run; reports already taken up and old ones are not announced."""

from __future__ import annotations

from citysteward.cases.domain.model import Action
from citysteward.cases.services.announce import WINDOW, announce_new_reports
from citysteward.notify import services as notify
from tests.builders.cases import report, step
from tests.conftest import City


def test_each_new_report_is_announced_once_to_the_desk(city: City, clock) -> None:
    old = report(city, seq=2)
    clock.advance(seconds=WINDOW.total_seconds() + 60)
    first, second, taken = report(city, seq=3), report(city, who="inspector", seq=4), report(city, seq=5)
    step(city, "acceptor", taken, Action.REGISTER)
    assert announce_new_reports(city.rt) == 2 * 2  # two waiting reports × (acceptor, shift leader)
    assert announce_new_reports(city.rt) == 0  # a second round (or a second worker) adds nothing
    for who in ("acceptor", "leader"):
        items = notify.list_notices(city.rt, city.actor(who))["items"]
        assert sorted(i["link"] for i in items) == sorted(f"/console/cases/{no}" for no in (first, second))
        assert not any(no in i["title"] for i in items for no in (old, taken))
    for who in ("dispatcher", "facility", "inspector"):
        assert notify.unread_count(city.rt, city.actor(who)) == 0
