"""The customer's whole story in a real browser at phone size, typed at human pace, against a rehearsal kiosk:
sign in with the texted code -> book -> fill -> declare -> pre-assess -> appointment page; the QR code is read
off the page's screenshot and redeemed at the kiosk (the full debit-card journey); a cancelled appointment is
refused at the kiosk; the walk-in form filled on the phone completes a waiting kiosk session."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from playwright.sync_api import Page

from kiosk_app.demo.environment import Rehearsal, rehearsal
from kiosk_app.demo.runner import Runner, StepFailed
from kiosk_app.demo.script import Scan, Setup, load_script
from kiosk_app.store.appointments import appointment_status
from sync_agent import journal
from tests.browser import phone_steps as steps
from tests.browser.conftest import type_like_a_person

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"
PHONE = "13912345678"
RISK = {"q1": "B", "q2": "C", "q3": "A", "q4": "B", "q5": "C", "q6": "B"}


def read_sms(r: Rehearsal):  # type: ignore[no-untyped-def]
    return lambda phone: r.central.central.sms.last(phone).body


def wait_on_kiosk(r: Rehearsal, appointment_id: str, status: str, timeout: float = 10.0) -> float:
    """Seconds until the kiosk's own database (the sync agent's pull) shows the appointment in `status`."""
    started = time.monotonic()
    while appointment_status(r.runtime.db, appointment_id) != status:
        assert time.monotonic() - started < timeout, f"the kiosk never saw {appointment_id} {status}"
        time.sleep(0.02)
    return time.monotonic() - started


def book_on_phone(page: Page, r: Rehearsal, services: list[str], *, human_pace_details: bool = True) -> str:
    c = r.customer
    steps.sign_in(page, r.central.url, PHONE, read_sms(r))
    booking_id = steps.book_first_slot(page)
    steps.fill_details(page, name=c.name, id_number=c.id_number, valid_from=date(2020, 1, 1), valid_to=c.valid_to,
                       address="北京市朝阳区建国路88号", occupation="20000",
                       enter=type_like_a_person if human_pace_details else steps.paste)
    steps.choose_services(page, services)
    steps.declare_china_only(page)
    steps.answer_risk(page, RISK)
    steps.confirm(page)
    return booking_id


def session_outcome(r: Rehearsal) -> str:
    ended = [e for e in journal.entries(r.runtime.db) if e.kind == "session_ended"]
    return ended[-1].record["outcome"] if ended else "none"


def run_steps(runner: Runner, script_steps: list) -> None:  # type: ignore[type-arg]
    for index, step in enumerate(script_steps, 1):
        try:
            getattr(runner, step.do)(step)
        except StepFailed as exc:
            raise AssertionError(f"kiosk step {index} ({step.do}): {exc}") from exc


def test_book_on_the_phone_then_open_the_account_at_the_kiosk(tmp_path: Path, phone_page: Page) -> None:
    script = load_script(JOURNEYS / "appointment-debit-card-only.toml")
    with rehearsal(tmp_path, Setup(appointment="none")) as r:
        booking_id = book_on_phone(phone_page, r, ["risk_assessment"])
        token = steps.qr_from_screen(phone_page)
        stored = r.central.store.get_appointment(booking_id)
        assert stored["status"] == "booked" and stored["customer"]["id_number"] == r.customer.id_number
        assert stored["risk_questionnaire"]["answers"][0] == {"question_id": "q1", "answer": "B"}
        wait_on_kiosk(r, booking_id, "booked")
        r.customer.appointment, r.customer.token = stored, token
        run_steps(Runner(r, script), script.steps)
        assert r.runtime.host.wait_idle(15)
        assert session_outcome(r) == "completed"
        risk_screen = next(s for s in r.screens.screens if s.step_id == "risk_assessment")
        assert risk_screen.data["level"] == "C2"  # the phone's pre-assessment, shown at the kiosk to confirm
        assert r.central.store.get_appointment(booking_id)["status"] == "redeemed"
        phone_page.goto(r.central.url + "/phone/")
        assert "已办理" in phone_page.locator("main").inner_text()


def test_cancel_on_the_phone_and_the_kiosk_refuses_the_code(tmp_path: Path, phone_page: Page) -> None:
    with rehearsal(tmp_path, Setup(appointment="none")) as r:
        booking_id = book_on_phone(phone_page, r, [], human_pace_details=False)  # typed in the test above
        token = steps.qr_from_screen(phone_page)
        wait_on_kiosk(r, booking_id, "booked")
        tapped = time.monotonic()
        phone_page.get_by_role("button", name="取消预约").click()
        wait_on_kiosk(r, booking_id, "cancelled", timeout=5.0)
        print(f"from the tap on cancel to the kiosk's database: {time.monotonic() - tapped:.3f} s")
        phone_page.wait_for_url("**/phone/")
        assert "预约已取消" in phone_page.locator("main").inner_text()
        r.customer.appointment, r.customer.token = r.central.store.get_appointment(booking_id), token
        runner = Runner(r, load_script(JOURNEYS / "appointment-cancelled.toml"))
        runner.scan(Scan(do="scan"))
        screen = r.runtime.session.screen
        assert (screen.step_id, screen.errors.get("base")) == ("idle", "appointment_cancelled")
        assert session_outcome(r) == "none"


def test_walk_in_form_on_the_phone_completes_the_waiting_kiosk_session(tmp_path: Path, phone_page: Page) -> None:
    script = load_script(JOURNEYS / "walk-in.toml")
    at = next(i for i, s in enumerate(script.steps) if s.do == "phone_submit")
    with rehearsal(tmp_path, script.setup) as r:
        runner = Runner(r, script)
        run_steps(runner, script.steps[:at])
        runner._wait("walk_in_form")
        form_url = r.runtime.session.ctx.form_url
        phone_page.goto(form_url)  # what the customer's camera opens from the kiosk's QR
        assert "王*" in phone_page.locator("main").inner_text()
        type_like_a_person(phone_page.locator("#f-phone"), PHONE)
        type_like_a_person(phone_page.locator("#f-address"), "北京市朝阳区建国路88号")
        phone_page.locator("#f-occupation").select_option("40000")
        for service in ("mobile_banking", "online_banking"):
            phone_page.locator(f"input[name=services][value={service}]").check()
        phone_page.locator("input[name=status][value=china_only]").check()
        for question, answer in RISK.items():
            phone_page.locator(f"input[name={question}][value={answer}]").check()
        runner.mark = len(r.screens.screens)
        phone_page.get_by_role("button", name="提交到自助机").click()
        assert "已提交" in phone_page.locator("main").inner_text()
        runner._wait("review")
        run_steps(runner, script.steps[at + 1:])
        assert r.runtime.host.wait_idle(15)
        assert session_outcome(r) == "completed"
        phone_page.goto(form_url)  # opened again: it says it was sent
        assert "已提交" in phone_page.locator("main").inner_text()
        assert phone_page.locator("form").count() == 0
