"""What a customer does on the phone pages, step by step, in a real browser: typing at human pace where a person
types (HUMAN_PACE_MS per key), tapping choices, and reading the QR code off the screen like a scanner would."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from io import BytesIO

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page

from tests.browser.conftest import type_like_a_person


def sign_in(page: Page, base_url: str, phone: str, read_sms: Callable[[str], str]) -> None:
    """Number -> texted code (read from the simulated gateway, as from the phone's inbox) -> signed in."""
    page.goto(base_url + "/phone/sign-in")
    type_like_a_person(page.locator("#f-phone"), phone)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_url("**/phone/sign-in/code")
    code = re.search(r"\d{6}", read_sms(phone)).group(0)  # type: ignore[union-attr]
    type_like_a_person(page.locator("#f-code"), code)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/phone/")


def book_first_slot(page: Page, branch_id: str = "BJ001") -> str:
    """From my appointments: branch, then the first open slot; returns the booking id from the URL."""
    page.get_by_role("link", name="预约开户").click()
    page.locator(f"input[name=branch][value={branch_id}]").check()
    page.get_by_role("button", name="下一步").click()
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="预约这个时段").click()
    page.wait_for_url("**/details")
    return page.url.rsplit("/", 2)[-2]


def paste(locator: Locator, text: str) -> None:
    """Fill a field at once (for tests whose point is elsewhere; the journey test types at human pace)."""
    locator.fill(text)


def fill_details(page: Page, *, name: str, id_number: str, valid_from: date, valid_to: date, address: str,
                 occupation: str, enter: Callable[[Locator, str], None] = type_like_a_person) -> None:
    enter(page.locator("#f-name"), name)
    enter(page.locator("#f-id_number"), id_number)
    enter(page.locator("#f-id_valid_from"), valid_from.isoformat())
    enter(page.locator("#f-id_valid_to"), valid_to.isoformat())
    enter(page.locator("#f-address"), address)
    page.locator("#f-occupation").select_option(occupation)
    page.get_by_role("button", name="下一步").click()


def choose_services(page: Page, services: list[str]) -> None:
    page.wait_for_url("**/services")
    for service in services:
        page.locator(f"input[name=services][value={service}]").check()
    page.get_by_role("button", name="下一步").click()


def declare_china_only(page: Page) -> None:
    page.wait_for_url("**/tax")
    page.locator("input[name=status][value=china_only]").check()
    page.get_by_role("button", name="下一步").click()


def answer_risk(page: Page, answers: dict[str, str]) -> None:
    page.wait_for_url("**/risk")
    for question, answer in answers.items():
        page.locator(f"input[name={question}][value={answer}]").check()
    page.get_by_role("button", name="下一步").click()


def confirm(page: Page) -> None:
    page.wait_for_url("**/confirm")
    page.get_by_role("button", name="确认并生成二维码").click()
    page.wait_for_url("**/appointment")


def qr_from_screen(page: Page) -> str:
    """Decode the QR code from a screenshot of the page (as the kiosk's scanner would read the phone's screen)."""
    image = Image.open(BytesIO(page.screenshot(full_page=True))).convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"{len(found)} QR codes on the page"
    return found[0].text
