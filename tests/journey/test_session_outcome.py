"""The stored outcome text ("refused:card_jam") and its value read back the same, whatever the reason key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.flow.session_outcome import COMPLETED, REFUSED, SessionOutcome

KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=30)


@given(KEYS)
def test_a_refusal_round_trips_through_its_stored_text(reason: str) -> None:
    outcome = SessionOutcome.refused(reason)
    assert outcome.stored() == f"refused:{reason}"
    assert SessionOutcome.parse(outcome.stored()) == outcome == SessionOutcome(REFUSED, reason)


def test_kinds_without_a_reason_store_as_the_bare_kind() -> None:
    assert SessionOutcome(COMPLETED).stored() == "completed"
    assert SessionOutcome.parse("timeout") == SessionOutcome("timeout")
    assert SessionOutcome.parse("refused:") == SessionOutcome(REFUSED)  # an empty reason reads as none
