"""Walk every phone page in a real browser, in one language, calling `visit(name, page)` on each.

Used by `central screens` (a screenshot of each page at 390x844 in both languages, docs/screens/phone) and by
the accessibility test (axe on each page). Fills fields at machine speed: the human-pace journeys are the
browser tests'. Needs Playwright and Debian's chromium (the test extras): imported only by those two.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from central_service.ids import make_id_number

CHROMIUM = "/usr/bin/chromium"
PHONE_VIEWPORT = {"width": 390, "height": 844}
Visit = Callable[[str, Page], None]


@dataclass
class Visitor:
    """Who walks the pages: their phone, ID number and name, and how to read the texted code."""

    phone: str
    id_number: str
    name: str
    read_code: Callable[[str], str]
    new_walk_in_url: Callable[[], str]


def sample_visitor(service: Any, phone: str = "13700137000") -> Visitor:
    """A visitor against a running service (central_service.testing.RunningService) with its simulated SMS."""
    born = date.today() - timedelta(days=365 * 30 + 40)
    number = make_id_number("110105", born, random.Random(phone), male=True)

    def read_code(to: str) -> str:
        return re.search(r"\d{6}", service.central.sms.last(to).body).group(0)

    def new_walk_in_url() -> str:
        return walk_in_url(service, "王小明", number, born)

    return Visitor(phone, number, "王小明", read_code, new_walk_in_url)


def walk_in_url(service: Any, name: str, number: str, born: date) -> str:
    """A kiosk of BJ001 opens a walk-in form session (over the real API); returns the form URL of its QR code."""
    from central_api_client import CentralClient
    from central_api_client import journey_models as jm

    _, bearer = service.admin.add_kiosk("BJ001")
    document = jm.IdDocument(id_type="resident_id", id_number=number, name=name, date_of_birth=born,
                             id_expiry=date.today() + timedelta(days=3650), gender="male")
    with CentralClient(service.url, bearer_token=bearer) as client:
        session = client.create_walk_in_session(jm.WalkInSessionRequest(kiosk_session_id="gallery-1",
                                                                        document=document))
    return session.form_url


def walk(page: Page, base_url: str, who: Visitor, locale: str, visit: Visit) -> None:
    """Every page in `locale` ("zh_CN" or "en"), in the order a customer meets them."""
    page.goto(f"{base_url}/phone/sign-in?lang={locale}")
    visit("sign_in", page)
    page.fill("#f-phone", "12345")
    page.click("button[type=submit]")
    visit("sign_in_error", page)
    page.fill("#f-phone", who.phone)
    page.click("button[type=submit]")
    visit("sign_in_code", page)
    page.fill("#f-code", who.read_code(who.phone))
    page.click("button[type=submit]")
    visit("mine_empty", page)
    page.click("a.button[href='/phone/book']")
    visit("book_branch", page)
    page.check("input[name=branch][value=BJ001]")
    page.click("button[type=submit]")
    visit("book_slot", page)
    page.locator("input[name=slot]").first.check()
    page.click("button[type=submit]")
    visit("details", page)
    page.fill("#f-name", who.name)
    page.fill("#f-id_number", who.id_number[:-1] + ("0" if who.id_number[-1] != "0" else "1"))
    page.fill("#f-id_valid_from", "2030-01-01")
    page.click("button[type=submit]")
    visit("details_errors", page)
    _fill_details(page, who)
    page.click("button[type=submit]")
    visit("services", page)
    page.check("input[name=services][value=mobile_banking]")
    page.click("button[type=submit]")
    visit("tax", page)
    page.check("input[name=status][value=other_only]")
    page.click("button[type=submit]")
    visit("tax_errors", page)
    page.check("input[name=status][value=china_only]")
    page.click("button[type=submit]")
    visit("risk", page)
    for question in range(1, 7):
        page.check(f"input[name=q{question}][value=B]")
    page.click("button[type=submit]")
    visit("confirm", page)
    page.click("button[type=submit]")
    visit("appointment", page)
    page.goto(f"{base_url}/phone/")
    visit("mine", page)
    page.click("a[href$='/reschedule']")
    visit("reschedule", page)
    page.goto(f"{base_url}/phone/agreements")
    visit("agreements", page)
    page.click("a[href='/phone/agreements/account_agreement']")
    visit("agreement", page)
    _walk_in(page, who, visit)


def _fill_details(page: Page, who: Visitor) -> None:
    page.fill("#f-name", who.name)
    page.fill("#f-id_number", who.id_number)
    page.fill("#f-id_valid_from", "2020-01-01")
    page.fill("#f-id_valid_to", (date.today() + timedelta(days=3650)).isoformat())
    page.fill("#f-address", "北京市朝阳区建国路88号")
    page.select_option("#f-occupation", "20000")


def _walk_in(page: Page, who: Visitor, visit: Visit) -> None:
    url = who.new_walk_in_url()
    page.goto(url)
    visit("walk_in", page)
    page.click("button[type=submit]")
    visit("walk_in_errors", page)
    page.fill("#f-phone", who.phone)
    page.fill("#f-address", "北京市朝阳区建国路88号")
    page.select_option("#f-occupation", "40000")
    page.check("input[name=status][value=china_only]")
    for question in range(1, 7):
        page.check(f"input[name=q{question}][value=A]")
    page.click("button[type=submit]")
    visit("walk_in_done", page)
    page.goto(url.replace("?t=", "?t=x"))
    visit("error", page)


def render_gallery(out: Path, service: Any) -> list[Path]:
    """Screenshots of every page at 390x844 in zh_CN and en under `out`, and an index.html linking them."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for n, locale in enumerate(("zh_CN", "en")):
                context = browser.new_context(viewport=PHONE_VIEWPORT, device_scale_factor=1)
                page = context.new_page()

                def visit(name: str, page: Page, locale: str = locale) -> None:
                    path = out / f"{name}.{locale}.png"
                    page.screenshot(path=str(path), full_page=True)
                    written.append(path)

                walk(page, service.url, sample_visitor(service, f"1370013700{n}"), locale, visit)
                context.close()
        finally:
            browser.close()
    _index(out, written)
    return written


def _index(out: Path, shots: list[Path]) -> None:
    names = sorted({p.name.split(".")[0] for p in shots}, key=[p.name.split(".")[0] for p in shots].index)
    rows = "\n".join(f'<tr><th>{n}</th><td><img src="{n}.zh_CN.png" width="390" alt="{n} zh_CN"></td>'
                     f'<td><img src="{n}.en.png" width="390" alt="{n} en"></td></tr>' for n in names)
    (out / "index.html").write_text(
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Phone pages, 390x844</title>'
        f"<table><tr><th>page</th><th>zh_CN</th><th>en</th></tr>\n{rows}\n</table></html>\n", encoding="utf-8")
