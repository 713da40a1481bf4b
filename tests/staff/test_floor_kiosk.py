"""A rehearsal kiosk (real drivers on emulators, real sync agent, real service on loopback) and the floor's
state: a staff call reaches the floor at once, the floor's answer reaches the waiting customer, a refused
session lands in the hand-off queue with what the kiosk did, and a revoked manager's PIN stops working."""

from __future__ import annotations

from pathlib import Path

from central_service.staff.calls import StaffCalls
from central_service.staff.directory import StaffDirectory
from central_service.staff.handoffs import Handoffs
from kiosk_app.demo.environment import BRANCH, STAFF, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.flow.events import StaffAuth, StaffDecision, Touch
from kiosk_app.store.staff import DirectoryPins
from sync_agent.localdb import open_db
from tests.staff.kiosk_helpers import at_review, send, until, wrong_card

STAFF_ID, PIN = next(iter(STAFF.items()))


def test_staff_call_reaches_the_floor_and_the_answer_reaches_the_customer(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        at_review(r)
        calls = StaffCalls(r.central.store.db)
        waiting = send(r, Touch("class1"))
        assert waiting.step_id == "staff_needed" and "help" not in waiting.data
        took = until(lambda: calls.for_branch(BRANCH))
        assert took < 2.0, f"the floor learnt of the call after {took:.2f} s"
        call = calls.for_branch(BRANCH)[0]
        assert call.reason == "onsite_identity" and call.session_id == r.runtime.session.ctx.session_id
        calls.answer(BRANCH, call.call_id, "acknowledged", STAFF_ID)
        until(lambda: r.runtime.session.screen.data.get("help") == "acknowledged")
        calls.answer(BRANCH, call.call_id, "on_way", STAFF_ID)
        until(lambda: r.runtime.session.screen.data.get("help") == "on_way")
        assert r.runtime.session.screen.step_id == "staff_needed"
        assert send(r, StaffAuth(STAFF_ID, PIN)).step_id == "staff_decide"
        assert send(r, StaffDecision(False, "no")).step_id == "review"  # class 1 declined: class 2 goes on
        until(lambda: not calls.for_branch(BRANCH))  # the decision closed the call


def test_refused_session_is_handed_off_with_what_the_kiosk_did(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        r.sims.scanner.show(r.customer.token)
        until(lambda: r.runtime.session.screen.step_id == "await_id_card")
        for _ in range(3):  # someone else's card, three times: the third calls a lobby manager
            wrong_card(r)
        until(lambda: r.runtime.session.screen.step_id == "staff_needed")
        assert send(r, StaffAuth(STAFF_ID, PIN)).step_id == "staff_decide"
        assert send(r, StaffDecision(False, "not the customer")).step_id == "refused"
        handoffs = Handoffs(r.central.store.db)
        until(lambda: handoffs.queue(BRANCH), timeout=20)
        [handoff] = handoffs.queue(BRANCH)
        assert handoff.outcome == "refused:id_mismatch" and handoff.appointment_id == r.customer.appointment["id"]
        assert handoff.facts["account_opened"] is False and handoff.facts["card_captured"] is False
        assert handoff.facts["staff_reasons"] == ["id_mismatch"]
        assert handoff.facts["staff_decisions"] == [{"staff_id": STAFF_ID, "reason": "id_mismatch", "approve": False}]


def test_revoked_manager_cannot_log_in_at_the_kiosk(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        at_review(r)
        assert send(r, Touch("class1")).step_id == "staff_needed"
        kiosk_copy = open_db(r.cfg.paths.database)
        until(lambda: DirectoryPins(kiosk_copy)(STAFF_ID) is not None)
        StaffDirectory(r.central.store.db).revoke(STAFF_ID)
        took = until(lambda: DirectoryPins(kiosk_copy)(STAFF_ID).revoked)
        assert took < 60, "a revocation reaches the kiosk within a minute"
        # The kiosk's staff file still has the PIN: the directory's revocation wins.
        refused = send(r, StaffAuth(STAFF_ID, PIN))
        assert refused.step_id == "staff_needed" and refused.errors.get("base") == "staff_auth_failed"
        kiosk_copy.close()
