"""Every payroll page in English at its size (desktop for agents and tellers, phone for employees), checked by
axe (nothing serious or critical) and shot for docs/screens/payroll (*-en.png). The state is made through the
stores so the test spends its time on the pages; the Chinese pages are the chain test's."""

from __future__ import annotations

import io
import os
import random
import re
from datetime import date, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import Browser, Page

from central_service.auth import totp
from central_service.ids import id_check_char, make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.images import ImageVault, image_key
from central_service.payroll.opening import batch_token
from central_service.payroll.people import Employee
from central_service.payroll.store import PayrollStore
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def _photo(seed: int) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", (320, 200), random.Random(seed).randbytes(320 * 200 * 3)).save(out, format="PNG")
    return out.getvalue()


def _number(n: int) -> str:
    first17 = f"350203{1980 + n}0101{201 + 2 * n:03d}"
    return first17 + id_check_char(first17)


def _page(browser: Browser, service: RunningService, viewport: dict[str, int]) -> Page:
    page = browser.new_context(viewport=viewport, locale="en-GB").new_page()
    page.goto(service.url + "/payroll/agent/sign-in?lang=en")  # the language cookie sticks for the context
    return page


def _sign_in(page: Page, url: str, login: str, secret: str) -> None:
    page.goto(url)
    page.fill("#f-login", login)
    page.fill("#f-password", PASSWORD)
    page.fill("#f-code", totp.code_now(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def test_every_payroll_page_in_english(service: RunningService, browser: Browser, axe_check,
                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shots = Path(os.environ.get("PAYROLL_SCREENS", tmp_path / "screens"))
    shots.mkdir(parents=True, exist_ok=True)

    def look(page: Page, name: str) -> None:
        assert page.locator("html").get_attribute("lang") == "en"
        axe_check(page)
        page.screenshot(path=str(shots / f"{name}-en.png"), full_page=True)

    central = service.central
    store = PayrollStore(central.store.db, central.store.clock)
    rng = random.Random(42)
    staff_secret = StaffDirectory(central.store.db).add("T0017", "BJ001", "Teller", frozenset({Role.PAYROLL_OFFICER}),
                                                        PASSWORD)
    company = store.register_company("Example Tech Co., Ltd.", make_uscc("350203", rng), "3502031234567890", "BJ001",
                                     by="T0017")
    store.accept_agreement(company.id, company_agreement(), by="T0017")
    agent, agent_secret = store.add_agent(company.id, "Li Agent", "li.en", PASSWORD)
    newcomer = store.register_company("New Co.", make_uscc("350203", rng), "3502031234567891", "BJ001", by="T0017")
    _, newcomer_secret = store.add_agent(newcomer.id, "Wang Agent", "wang.en", PASSWORD)
    deadline = date.today() + timedelta(days=10)
    open_batch = store.create_batch(agent, "December joiners", "payroll_debit", deadline, 5)
    checked = store.create_batch(agent, "November joiners", "payroll_debit_co_branded", deadline, 3)
    kept = ImageVault(central.store.db, image_key(central.store.secret), central.store.now)
    for n in range(3):
        for batch in (open_batch, checked):
            entry = store.add_entry(batch.id, Employee(f"ZHANG {'ABC'[n]}", _number(n + (0 if batch is checked else 5)),
                                                       None, f"1390000020{n}"))
            kept.put(entry.id, "front", _photo(n))
            kept.put(entry.id, "back", _photo(n + 9))
    store.submit(agent, checked.id, store.batch(checked.id).revision)

    desk = _page(browser, service, DESKTOP)
    look(desk, "portal-sign-in")
    _sign_in(desk, service.url + "/payroll/agent/sign-in", "wang.en", newcomer_secret)
    look(desk, "portal-agreement")
    _sign_in(desk, service.url + "/payroll/agent/sign-in", "li.en", agent_secret)
    look(desk, "portal-home")
    desk.goto(f"{service.url}/payroll/agent/batches/{open_batch.id}")
    look(desk, "portal-batch")
    desk.get_by_role("link", name="Correct").first.click()
    look(desk, "portal-correct")
    desk.goto(f"{service.url}/payroll/agent/batches/{checked.id}")
    look(desk, "portal-submitted")

    teller = _page(browser, service, DESKTOP)
    _sign_in(teller, service.url + "/payroll/staff/sign-in", "T0017", staff_secret)
    look(teller, "teller-home")
    teller.goto(f"{service.url}/payroll/staff/batches/{checked.id}")
    look(teller, "teller-check")
    for line in (1, 2, 3):
        with teller.expect_navigation():
            teller.locator(f"#entry-{line}").get_by_role("button", name="Verify").click()
    with teller.expect_navigation():
        teller.get_by_role("button", name="Approve and open accounts").click()
    assert "3 opened" in teller.locator("main").inner_text()
    look(teller, "teller-approved")

    phone = _page(browser, service, PHONE)
    phone.goto(service.url + "/P/" + batch_token(central.signing_keys[0], store.batch(open_batch.id),
                                                 central.store.clock()))
    phone.fill("#f-phone", "13900000300")
    with phone.expect_navigation():
        phone.get_by_role("button", name=re.compile("code", re.I)).click()
    phone.fill("#f-code", re.search(r"\d{6}", central.sms.last("13900000300").body).group(0))
    with phone.expect_navigation():
        phone.get_by_role("button", name="Sign in").click()
    look(phone, "employee-form")
    phone.fill("#f-name", "LI NA")
    phone.fill("#f-id_number", _number(20))
    phone.get_by_label("Long-term").check()
    phone.get_by_label("I have read and accept the payroll agreement").check()
    phone.get_by_label("I agree that the bank processes my personal data to open the account").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Continue").click()
    look(phone, "employee-images")
    phone.goto(service.url + "/payroll/join/status")
    look(phone, "employee-status")
    pickup = re.search(r"(/payroll/pickup/\S+)", central.sms.last("13900000200").body).group(1)
    phone.goto(service.url + pickup)
    look(phone, "pickup")
