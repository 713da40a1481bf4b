"""axe-core over every phone page in both languages at 390x844: no serious or critical violation; every page
renders in both languages (a text missing in one locale fails here)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from central_service.phone.gallery import sample_visitor, walk
from central_service.testing import RunningService
from tests.browser.conftest import blocking_violations


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_phone_page_passes_axe(service: RunningService, phone_page: Page, locale: str) -> None:
    problems: dict[str, list[str]] = {}
    seen: list[str] = []

    def visit(name: str, page: Page) -> None:
        seen.append(name)
        assert page.locator("html").get_attribute("lang") == ("zh-CN" if locale == "zh_CN" else "en")
        found = blocking_violations(page)
        if found:
            problems[name] = found

    walk(phone_page, service.url, sample_visitor(service), locale, visit)
    assert problems == {}, problems
    assert seen == ["sign_in", "sign_in_error", "sign_in_code", "mine_empty", "book_branch", "book_slot", "details",
                    "details_errors", "services", "tax", "tax_errors", "risk", "confirm", "appointment", "mine",
                    "reschedule", "agreements", "agreement", "walk_in", "walk_in_errors", "walk_in_done", "error"]
