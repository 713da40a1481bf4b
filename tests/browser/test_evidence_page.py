"""The teller's evidence page in a real browser (Debian chromium): what the customer confirmed (numbers masked,
kiosk edits marked), each agreement and consent with its text's digest and whether it is today's text, and the
signature image as the bank keeps it; only staff of the branch whose role may find customers see it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from central_api_client import CentralClient
from central_api_client.redaction import mask_id_number
from central_service.auth import totp
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService
from central_service.web.sessions import COOKIE_NAME, WebSessions
from kiosk_app.flow.evidence import digest_of
from tests.central import samples

PASSWORD = "Evidence-Desk-2026"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots" / "evidence"


def _opened(service: RunningService):
    """An account opened by a kiosk of BJ001 with evidence: today's account agreement, an older privacy text."""
    seeded = service.admin.seed(["BJ001"], 1, rng_seed=5)[0]
    _, bearer = service.admin.add_kiosk("BJ001")
    with CentralClient(service.url, bearer_token=bearer) as kiosk:
        appointment = kiosk.lookup(seeded.token)
        verification = kiosk.verify_identity(samples.verification_request(samples.document_of(appointment)))
        evidence = samples.evidence(appointment.customer)
        today = evidence.agreements[0].model_copy(update={"version_digest": digest_of("account_agreement", "zh_CN")})
        evidence = evidence.model_copy(update={"agreements": [today, evidence.agreements[1]]})
        account = kiosk.open_account(samples.open_request(verification.verification_id, evidence=evidence,
                                                          appointment_id=appointment.id))
    return appointment, account


def _signed_in(page: Page, service: RunningService, staff_id: str, branch: str, roles: frozenset[Role]) -> None:
    """A staff member signed in on this browser (the session the sign-in page makes; the teller test types it)."""
    directory = StaffDirectory(service.store.db)
    directory.add(staff_id, branch, "王柜员", roles, PASSWORD)
    sessions = WebSessions(service.store.db)
    session = sessions.new()
    session.set("principal", directory.get(staff_id).principal().to_session())
    sessions.save(session)
    page.context.add_cookies([{"name": COOKIE_NAME, "value": session.session_id, "domain": "127.0.0.1", "path": "/",
                               "secure": True, "httpOnly": True, "sameSite": "Lax"}])


def test_a_teller_sees_what_the_customer_accepted_and_signed(service, desktop_page: Page, axe_check, shot,
                                                            human_type) -> None:
    appointment, account = _opened(service)
    page = desktop_page
    secret = StaffDirectory(service.store.db).add("T101", "BJ001", "王柜员", frozenset({Role.TELLER}), PASSWORD)
    page.goto(f"{service.url}/staff/appointments/{appointment.id}/evidence")
    assert page.url.endswith("/staff/sign-in")  # the counter's sign-in, typed like a person
    human_type(page.locator("#f-staff_id"), "T101")
    human_type(page.locator("#f-password"), PASSWORD)
    human_type(page.locator("#f-code"), totp.code_now(secret))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto(f"{service.url}/staff/counter/customers/{appointment.id}")  # the counter's customer page links it
    with page.expect_navigation():
        page.get_by_role("link", name="开户凭证：确认的信息、协议、授权与签名").click()
    assert page.url.endswith(f"/staff/appointments/{appointment.id}/evidence")
    assert page.locator("h2").first.inner_text() == f"账户 {account.account_id}"
    rows = page.locator("tbody tr")
    assert rows.count() == 3  # two agreements, one consent
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert digest_of("account_agreement", "zh_CN") in first and "现行版本" in first
    assert "旧版本" in second  # a digest no text of today's has
    body = page.locator("main").inner_text()
    customer = appointment.customer
    assert customer.id_number not in body and mask_id_number(customer.id_number) in body  # masked
    assert "（在自助机上修改）" in body  # the occupation changed at the kiosk
    size = page.locator("figure img").evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [40, 20]  # the PNG the bank keeps, decoded by the browser
    axe_check(page)
    shot(page, SHOTS / "teller-desktop.png")
    page.goto(f"{service.url}/staff/accounts/{account.account_id}/evidence?lang=en")
    assert "Current version" in page.locator("tbody").inner_text()
    axe_check(page)


@pytest.mark.parametrize("who", ["nobody", "branch_it", "other_branch"])
def test_only_staff_of_the_branch_who_find_customers_see_it(service, tablet_page: Page, who: str) -> None:
    _, account = _opened(service)
    page = tablet_page
    if who == "branch_it":
        _signed_in(page, service, "I201", "BJ001", frozenset({Role.BRANCH_IT}))
    elif who == "other_branch":
        _signed_in(page, service, "T301", "SH002", frozenset({Role.TELLER}))
    answer = page.goto(f"{service.url}/staff/accounts/{account.account_id}/evidence")
    if who == "nobody":
        assert page.url.endswith("/staff/sign-in")  # the staff sign-in page (the counter's)
        return
    assert answer.status == 403
    main = page.locator("main")
    assert main.locator("figure").count() == 0 and account.account_id not in main.inner_text()
