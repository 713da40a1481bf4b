"""The bank's rules as small functions: account class, ages, credit card, blocklist, risk, staff lockout."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from central_api_client.risk import QUESTIONS, RiskAnswerError, score
from kiosk_app.flow.diagram import document
from kiosk_app.flow.model import IdentityCheck, Verdict
from kiosk_app.flow.policy import AccountPolicy, document_problem
from kiosk_app.flow.staff import StaffAuthenticator, StaffLocked, hash_pin
from kiosk_app.flow.table import TABLE, St, UndeclaredTransition, check

POLICY = AccountPolicy()
MATCH = IdentityCheck(Verdict.MATCH)


def test_class2_unless_onsite_check_and_never_a_second_class1() -> None:
    assert POLICY.account_class(False, MATCH) == 2
    assert POLICY.account_class(True, MATCH) == 1
    assert POLICY.account_class(True, IdentityCheck(Verdict.MATCH, holds_class1=True)) == 2


@pytest.mark.parametrize(("age", "rule"), [(10, "guardian_consent"), (13, "guardian_consent"),
                                           (14, "under_age"), (15, "under_age"), (16, None), (40, None)])
def test_age_rules(age: int, rule: str | None) -> None:
    assert POLICY.needs_staff_for_age(age) == rule


def test_no_credit_card_under_18() -> None:
    assert POLICY.services_allowed(["credit_card", "mobile_banking"], 17) == (["mobile_banking"],
                                                                              ["credit_card_under_18"])
    assert POLICY.services_allowed(["credit_card"], 18) == (["credit_card"], [])


def test_blocklisted_refused() -> None:
    assert POLICY.refusal(IdentityCheck(Verdict.MATCH, blocklisted=True)) == "blocklisted"
    assert POLICY.refusal(MATCH) is None


def test_daily_card_limit_configurable() -> None:
    assert not POLICY.cards_limit_reached(1) and POLICY.cards_limit_reached(2)
    assert not AccountPolicy(max_cards_per_person_per_day=3).cards_limit_reached(2)


def test_expired_card_refused_long_term_card_accepted() -> None:
    today = date(2026, 11, 28)
    assert document_problem(date(2026, 11, 27), today) == "id_expired"
    assert document_problem(date(2026, 11, 28), today) is None
    assert document_problem(None, today) is None


def test_risk_scores_and_levels() -> None:
    cautious = {q: min(c, key=c.get) for q, c in QUESTIONS.items()}
    bold = {q: max(c, key=c.get) for q, c in QUESTIONS.items()}
    assert score(cautious)[1] == "C1"
    assert score(bold)[1] == "C5"
    with pytest.raises(RiskAnswerError):
        score({**bold, "q2": "Z"})
    with pytest.raises(RiskAnswerError):
        score({})


def test_staff_lockout_after_repeated_failures() -> None:
    now = [0.0]
    auth = StaffAuthenticator({"M001": hash_pin("2468")}, max_failures=3, lock_s=600, clock=lambda: now[0])
    assert auth.authenticate("M001", "2468")
    assert not auth.authenticate("M001", "0000")
    assert not auth.authenticate("M001", "1111")
    assert not auth.authenticate("M001", "2222")
    with pytest.raises(StaffLocked):
        auth.authenticate("M001", "2468")
    now[0] = 601.0
    assert auth.authenticate("M001", "2468")
    assert not auth.authenticate("nobody", "2468")


def test_table_refuses_undeclared_transitions() -> None:
    check(St.REVIEW, "touch:confirm", St.TAX_RESIDENCY)
    check(St.REVIEW, "touch:confirm", St.STAFF_NEEDED)
    with pytest.raises(UndeclaredTransition):
        check(St.REVIEW, "touch:confirm", St.THANK_YOU)


def test_every_state_reachable_and_journey_doc_current() -> None:
    reachable = {St.IDLE} | {t for edges in TABLE.values() for e in edges.values() for t in e.targets}
    assert reachable == set(St)
    with open(Path(__file__).resolve().parents[2] / "docs" / "journey.md", encoding="utf-8") as f:
        assert f.read() == document(), "regenerate: python -m kiosk_app.flow.diagram > docs/journey.md"


def test_cancel_on_a_terminal_screen_keeps_the_recorded_outcome(tmp_path) -> None:
    """A customer who touches cancel on the thank-you screen must not turn a completed session into a cancel."""
    from kiosk_app.flow.context import SessionContext
    from kiosk_app.flow.events import Touch
    from kiosk_app.flow.session import Session
    from kiosk_app.store.sessions import Recorder
    from sync_agent.localdb import open_db

    db = open_db(tmp_path / "k.sqlite")
    recorder = Recorder(db, "K01", b"secret")
    session = Session(ports=None, recorder=recorder)  # no port is reached from a terminal screen
    session.ctx = SessionContext()
    recorder.start(session.ctx.session_id, "appointment")
    session.state = St.THANK_YOU
    recorder.end(session.ctx.session_id, "completed", {})
    screen = session.handle(Touch("cancel"))
    assert screen.step_id == "idle" and session.state is St.IDLE
    assert db.conn.execute("SELECT outcome FROM kiosk_sessions").fetchall() == [("completed",)]
