"""The counter and the lobby floor in Debian's chromium, two staff signed in at once beside a rehearsal kiosk
(real drivers on emulators, real sync agent, real service on loopback):

a kiosk session calls staff -> the floor (tablet) shows the alert within 2 s -> the manager says "on my way" ->
the kiosk shows it to the customer -> the manager declines at the kiosk -> the refused session appears in the
teller's hand-off queue (desktop) and is marked served; the teller's full view is audited; the lobby manager
cannot open full numbers. Branch IT revokes a lobby manager on its page and the kiosk refuses that PIN. Every
page passes axe. Plus the screenshot command, rendered and checked."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Browser, Page

from central_service.auth import totp
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory
from central_service.staff.handoffs import Handoffs
from central_service.staff.seed import DEMO_PASSWORD, DemoStaff, seed_staff
from kiosk_app.demo.environment import BRANCH, STAFF, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.flow.events import StaffAuth, StaffDecision, Touch
from kiosk_app.store.staff import DirectoryPins
from sync_agent.localdb import open_db
from tests.browser.branch_screens import shoot
from tests.staff.kiosk_helpers import at_review, send, until, wrong_card

KIOSK_MANAGER, KIOSK_PIN = next(iter(STAFF.items()))


def sign_in(page: Page, url: str, person: DemoStaff, human_type) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/staff/sign-in")
    human_type(page.locator("#f-staff_id"), person.staff_id)
    human_type(page.locator("#f-password"), DEMO_PASSWORD)
    human_type(page.locator("#f-code"), totp.code_now(person.totp_secret))
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_kiosk_call_floor_alert_answer_and_counter_handoff(tablet_page: Page, desktop_page: Page, human_type,
                                                          axe_check, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        url, db = r.central.url, r.central.store.db
        people = {p.staff_id: p for p in seed_staff(StaffDirectory(db), [BRANCH])}
        floor, counter = tablet_page, desktop_page
        sign_in(floor, url, people["M101"], human_type)
        assert floor.url.endswith("/staff/floor")
        floor.locator("#floor-live[data-updated]").wait_for()  # the event stream is connected
        axe_check(floor)
        sign_in(counter, url, people["T101"], human_type)
        assert counter.url.endswith("/staff/counter")

        r.sims.scanner.show(r.customer.token)
        until(lambda: r.runtime.session.screen.step_id == "await_id_card")
        wrong_card(r)
        wrong_card(r)
        started = time.monotonic()
        wrong_card(r)  # the third wrong card calls a lobby manager
        floor.locator("li.call").wait_for(timeout=5000)
        took = time.monotonic() - started
        assert took < 2.0, f"the floor showed the kiosk's call {took:.2f} s after the card"
        assert "身份证与预约信息不符" in floor.locator("li.call").inner_text()
        axe_check(floor)

        floor.get_by_role("button", name="马上到").click()
        floor.wait_for_load_state()
        until(lambda: r.runtime.session.screen.data.get("help") == "on_way")  # the customer reads it
        r.runtime.host.post(StaffAuth(KIOSK_MANAGER, KIOSK_PIN))
        until(lambda: r.runtime.session.screen.step_id == "staff_decide")
        r.runtime.host.post(StaffDecision(False, "not the customer"))
        until(lambda: r.runtime.session.screen.step_id == "refused")
        floor.locator("#calls .no-calls").wait_for()  # the decision closed the call: the floor says so, live
        floor.locator("#calls .handoff-count").wait_for()  # and the refused session waits for a teller

        until(lambda: Handoffs(db).queue(BRANCH), timeout=20)
        counter.goto(url + "/staff/counter")
        row = counter.locator("tr.handoff")
        assert row.count() == 1 and "身份证与预约信息不符" in row.inner_text()
        axe_check(counter)
        row.get_by_role("button", name="接办").click()
        counter.wait_for_load_state()
        counter.locator("tr.handoff").get_by_role("button", name="已办结").click()
        counter.wait_for_load_state()
        assert counter.locator("tr.handoff").count() == 0 and Handoffs(db).queue(BRANCH) == []

        phone = r.customer.appointment["customer"]["phone"]
        human_type(counter.locator("#f-q"), phone)
        counter.get_by_role("button", name="查找").click()
        counter.get_by_role("link", name="查看").first.click()
        assert r.customer.id_number not in counter.content()
        axe_check(counter)
        counter.get_by_role("button", name="查看完整号码").click()
        counter.wait_for_load_state()
        assert r.customer.id_number in counter.locator("#c-id").inner_text()
        axe_check(counter)
        appointment_id = r.customer.appointment["id"]
        viewed = [(e.actor_id, e.action) for e in AuditLog(db).entries(BRANCH, customer_ref=appointment_id)]
        assert ("T101", "view_full") in viewed

        floor.goto(f"{url}/staff/counter/customers/{appointment_id}")  # the manager may find, not unmask
        assert floor.get_by_role("button", name="查看完整号码").count() == 0
        assert r.customer.id_number not in floor.content()
        token = floor.locator("input[name=csrf]").first.get_attribute("value")
        forged = floor.request.post(f"{url}/staff/counter/customers/{appointment_id}/full",
                                    form={"csrf": token or ""})
        assert forged.status == 403 and r.customer.id_number not in forged.text()
        refused = [(e.actor_id, e.action) for e in AuditLog(db).entries(BRANCH, customer_ref=appointment_id)]
        assert ("M101", "view_full_refused") in refused


def test_branch_it_revokes_a_manager_and_the_kiosk_refuses_the_pin(desktop_page: Page, human_type, axe_check,
                                                                   tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        url, db = r.central.url, r.central.store.db
        people = {p.staff_id: p for p in seed_staff(StaffDirectory(db), [BRANCH])}
        at_review(r)
        assert send(r, Touch("class1")).step_id == "staff_needed"
        kiosk_copy = open_db(r.cfg.paths.database)
        until(lambda: DirectoryPins(kiosk_copy)(KIOSK_MANAGER) is not None)  # the kiosk has the directory's PIN

        sign_in(desktop_page, url, people["I101"], human_type)
        desktop_page.goto(url + "/staff/directory")
        axe_check(desktop_page)
        desktop_page.locator(f"tr[data-staff={KIOSK_MANAGER}]").get_by_role("link", name="注销").click()
        axe_check(desktop_page)
        desktop_page.get_by_role("button", name="确认注销").click()
        desktop_page.wait_for_load_state()
        assert "已注销" in desktop_page.locator(f"tr[data-staff={KIOSK_MANAGER}]").inner_text()
        took = until(lambda: DirectoryPins(kiosk_copy)(KIOSK_MANAGER).revoked, timeout=60)
        refused = send(r, StaffAuth(KIOSK_MANAGER, KIOSK_PIN))
        assert refused.step_id == "staff_needed" and refused.errors.get("base") == "staff_auth_failed"
        assert took < 60, f"the revocation reached the kiosk after {took:.1f} s"
        kiosk_copy.close()


def test_branch_screenshots_render_and_pass_axe(browser: Browser, axe_check, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = shoot(browser, tmp_path / "branch", check=axe_check)
    assert len(made) == 9 and all(p.stat().st_size > 10_000 for p in made)
