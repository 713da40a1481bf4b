"""Browser fixtures for page tests: Playwright driving Debian's /usr/bin/chromium (no browser download).

- `browser`: one headless Chromium per test session.
- `phone_page` (390x844), `tablet_page` (1024x768), `desktop_page` (1366x768): a fresh context (own cookies)
  per test, zh-CN by default.
- `service`: the real central service on a free loopback port (embedded SQLite under tmp_path).
- `human_type(locator, text)`: types like a person, one key every HUMAN_PACE_MS ms (default 700; set it lower
  while iterating: `HUMAN_PACE_MS=50 pytest tests/browser`; the suite runs at 700).
- `axe_check(page)`: axe-core over the page; fails on any serious or critical violation.
- `shot(page, path)`: a full-page PNG screenshot (parents made).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from central_service.testing import RunningService, sqlite_settings

CHROMIUM = "/usr/bin/chromium"
HUMAN_PACE_MS = int(os.environ.get("HUMAN_PACE_MS", "700"))
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1366, "height": 768}
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium per test module. Not per session: Playwright's sync API keeps its event loop marked as running
    in the main thread while it is open, and every later test that calls asyncio.run() would then fail."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: ./dev setup installs Debian's chromium")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def _page(browser: Browser, viewport: dict[str, int], locale: str = "zh-CN") -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, locale=locale, device_scale_factor=1)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, PHONE)


@pytest.fixture
def tablet_page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, TABLET)


@pytest.fixture
def desktop_page(browser: Browser) -> Iterator[Page]:
    yield from _page(browser, DESKTOP)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    with RunningService(sqlite_settings(tmp_path)) as running:
        yield running


def type_like_a_person(locator: Locator, text: str, pace_ms: int = HUMAN_PACE_MS) -> None:
    """Focus the field and type `text` one key at a time, `pace_ms` apart."""
    locator.click()
    locator.press_sequentially(text, delay=pace_ms)


@pytest.fixture
def human_type() -> Callable[[Locator, str], None]:
    return type_like_a_person


def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = Axe().run(page)
    return [f"{v['impact']}: {v['id']}: {v['help']} ({len(v['nodes'])} nodes: "
            f"{', '.join(str(n['target']) for n in v['nodes'][:3])})"
            for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    def check(page: Page) -> None:
        found = blocking_violations(page)
        assert found == [], f"axe on {page.url}:\n" + "\n".join(found)
    return check


def full_page_shot(page: Page, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def shot() -> Callable[[Page, Path], Path]:
    return full_page_shot
