"""Every page works under its Content-Security-Policy in a real browser: Chromium reports no violation
(no inline script, no inline <style>, no javascript: URL, no foreign image) while maps, htmx swaps,
charts and forms do their work, and no page can be framed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.builders.cases import report
from tests.conftest import City

pytestmark = pytest.mark.browser


def csp_watch(page: Any) -> list[str]:
    """Violations as the page itself sees them (securitypolicyviolation events) and as the console says."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script("""document.addEventListener("securitypolicyviolation",
        (e) => console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI));""")
    return seen


def test_no_page_breaks_the_content_security_policy(new_page: Callable[..., Any], city: City) -> None:
    case_no = report(city)
    page = new_page("admin")
    violations = csp_watch(page)
    page.goto("/console")  # the init script runs from the next navigation on
    for path, ready in [
        ("/console", "#queue-reported"),
        ("/console/cases", "#case-table"),
        (f"/console/cases/{case_no}", "#case-map[data-ready='1']"),
        ("/console/map", "#city-map[data-ready='1']"),
        ("/console/admin/grids", "#admin-map[data-ready='1']"),
        ("/console/admin/units", "form"),
        ("/console/admin/calendar?year=2026", "button.day"),
        ("/dashboard", "#dash-data"),
        ("/report", "#report-form"),
        ("/track", "form"),
        ("/console/cases/JZ-NO-SUCH-CASE", ".error-page"),
    ]:
        page.goto(path)
        expect(page.locator(ready).first).to_be_attached()
    page.goto("/console/cases")  # an htmx swap, under the policy
    page.click("label.chip:has(input[value=reported]) span")
    expect(page.locator("#case-table")).to_contain_text(case_no)
    page.goto("/console/cases/JZ-NO-SUCH-CASE")  # the error page's back link, without javascript:
    page.click("a[data-back]")
    expect(page).to_have_url(re.compile(r".*/console/cases(\?.*)?$"))
    assert not violations, violations


def test_pages_cannot_be_framed_by_another_site(new_page: Callable[..., Any], live_server: str) -> None:
    page = new_page()
    page.set_content(f'<iframe src="{live_server}/console/login"></iframe>')  # an about:blank page frames us
    page.wait_for_timeout(500)
    frame = page.frames[-1]
    assert frame is not page.main_frame
    assert frame.locator("input[name=password]").count() == 0, "the login form was drawn inside a foreign frame"
