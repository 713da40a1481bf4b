"""The customer's side of a staff request, cancel and the welcome screen's messages, on a whole rehearsal kiosk.

While the customer waits for a lobby manager the step's timeout is paused (no "are you still there?", no
countdown); Cancel asks once when something was entered; a message on the welcome screen goes before the
next customer.
"""

from __future__ import annotations

import time
from pathlib import Path

from kiosk_app.demo.environment import STAFF, Rehearsal, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.flow.events import StaffAuth, StaffDecision, Tick, Touch
from kiosk_app.flow.screens import Screen

STAFF_ID, PIN = next(iter(STAFF.items()))


def send(r: Rehearsal, event) -> Screen:
    r.runtime.host.post(event)
    assert r.runtime.host.wait_idle(15)
    return r.runtime.session.screen


def wait_for(r: Rehearsal, step_id: str, timeout: float = 15.0) -> Screen:
    deadline = time.monotonic() + timeout
    while r.runtime.session.screen.step_id != step_id:
        assert time.monotonic() < deadline, f"kiosk shows {r.runtime.session.screen.step_id}, not {step_id}"
        time.sleep(0.02)
    return r.runtime.session.screen


def walk(r: Rehearsal, seconds: int) -> Screen:
    """The customer stands there for `seconds` (the kiosk's clock moves, one tick a second)."""
    for _ in range(seconds):
        r.clock.offset += 1
        r.runtime.host.post(Tick())
    assert r.runtime.host.wait_idle(15)
    return r.runtime.session.screen


def test_waiting_for_a_manager_pauses_the_timeout_and_cancel_asks_once(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        r.sims.scanner.show(r.customer.token)
        wait_for(r, "await_id_card")
        r.sims.idcard.place_card(r.customer.card())
        wait_for(r, "review")

        waiting = send(r, Touch("class1"))
        assert waiting.step_id == "staff_needed" and waiting.timeout_s is None
        assert walk(r, 300).step_id == "staff_needed", "no still-there prompt and no timeout while help comes"
        deciding = send(r, StaffAuth(STAFF_ID, PIN))
        assert deciding.step_id == "staff_decide" and deciding.timeout_s is None
        assert walk(r, 300).step_id == "staff_decide"
        review = send(r, StaffDecision(True, "checked on site"))
        assert review.step_id == "review" and review.timeout_s == 90, "the resumed step gets its full time"

        asked = send(r, Touch("cancel"))
        assert (asked.step_id, asked.confirm) == ("review", "cancel"), "an approved session is not lost in one tap"
        kept = send(r, Touch("keep"))
        assert (kept.step_id, kept.confirm) == ("review", None)
        send(r, Touch("cancel"))
        left = send(r, Touch("cancel"))
        assert left.step_id == "idle" and left.errors == {"base": "cancelled"}

        assert walk(r, 5).errors == {"base": "cancelled"}
        assert walk(r, 6).errors == {}, "the message is gone before the next customer comes"


def test_cancel_before_anything_was_entered_needs_no_confirmation(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup()) as r:
        assert send(r, Touch("walk_in")).step_id == "await_id_card"
        left = send(r, Touch("cancel"))
        assert left.step_id == "idle" and left.errors == {"base": "cancelled"} and left.confirm is None
