"""Browser tests: Debian's Chromium driven by Playwright (sync API) against uvicorn on a loopback port,
over the test runtime on SQLite. Every request the browser makes is watched: anything that leaves
127.0.0.1 fails the test, and so does any JavaScript error."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from citysteward.bootstrap import create_app
from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "screenshots"
LOCAL_HOSTS = {"127.0.0.1"}
CJK_FONT = "WenQuanYi Micro Hei"


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    """Browser tests run on SQLite only: they test pages, the store is tested on both databases."""
    path = tmp_path / "cs.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(rt) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=rt), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-wqy-microhei")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # assertions wait out a slow answer on a loaded CI machine (default 5 s)

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Watch:
    """What the pages did that they must not: requests off the machine, JavaScript errors."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.hostname not in LOCAL_HOSTS:
            self.outside.append(request.url)


@pytest.fixture
def watch() -> Iterator[Watch]:
    w = Watch()
    yield w
    assert not w.outside, f"pages requested resources outside the machine: {w.outside}"
    assert not w.errors, f"JavaScript errors: {w.errors}"


@pytest.fixture
def new_page(browser, live_server: str, watch: Watch) -> Iterator[Callable[..., object]]:
    """A fresh browser context (own cookies) per call; `username` signs in through the login form."""
    contexts = []

    def make(username: str | None = None, **context_args: object) -> object:
        context = browser.new_context(base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                      **{"viewport": {"width": 1440, "height": 900}, **context_args})
        context.set_default_timeout(30_000)  # page loads on a loaded 2-core CI machine
        context.route("**/*", watch.route)
        contexts.append(context)
        page = context.new_page()
        page.on("request", watch.request)
        page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
        if username:
            page.goto("/console/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/console")
        return page

    yield make
    for c in contexts:
        c.close()


def rendering_fonts(page, selector: str) -> dict[str, int]:
    """The fonts Chromium actually used to draw a node's text (family → glyph count), via DevTools."""
    from playwright.sync_api import Error as PlaywrightError

    page.wait_for_load_state("load")
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        for attempt in range(5):
            # DevTools node ids lapse when the document changes under us (a page script updating the DOM
            # between two calls): then ask for the document again.
            try:
                root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
                node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
                assert node, f"no element {selector}"
                fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
                break
            except PlaywrightError as exc:
                if "node with given id" not in str(exc) or attempt == 4:
                    raise
    finally:
        cdp.detach()
    return {f["familyName"]: f["glyphCount"] for f in fonts}


def assert_chinese_renders(page, selector: str) -> None:
    """Every glyph of the element's Chinese text comes from the WenQuanYi font: no missing glyphs."""
    fonts = rendering_fonts(page, selector)
    assert fonts.get(CJK_FONT, 0) > 0, f"{selector} drawn with {fonts}, not {CJK_FONT}"
    assert set(fonts) == {CJK_FONT}, f"{selector} needed fallback fonts: {fonts}"


def shoot(page, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
