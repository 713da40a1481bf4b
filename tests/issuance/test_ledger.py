"""The durable bind ledger: one answer per idempotency key, one binding per card, survives a reopen."""

from __future__ import annotations

from pathlib import Path

from bind_ledger import SqliteBindLedger
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk_app.flow.issuance import BindRequest

PAN_A = "6217001234567890123"
PAN_B = "6217009876543210987"


def test_repeat_of_a_key_returns_the_first_answer(ledger: SqliteBindLedger) -> None:
    first = ledger.bind(BindRequest("k1", "s1", PAN_A))
    assert first.bound and first.account_ref == "acct-s1"
    assert ledger.bind(BindRequest("k1", "s1", PAN_A)) == first
    assert ledger.lookup("k1") == first
    assert ledger.lookup("never-sent") is None


def test_a_card_is_bound_once_and_a_key_names_one_card(ledger: SqliteBindLedger) -> None:
    assert ledger.bind(BindRequest("k1", "s1", PAN_A)).bound
    again = ledger.bind(BindRequest("k2", "s2", PAN_A))
    assert not again.bound and again.reason == "card_already_bound"
    reused = ledger.bind(BindRequest("k1", "s1", PAN_B))
    assert not reused.bound and reused.reason == "key_reused_for_another_card"
    assert len(ledger.bound_cards()) == 1


def test_refused_account_and_reopen_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with SqliteBindLedger(path, refuse_sessions=frozenset({"bad"})) as led:
        assert led.bind(BindRequest("k1", "bad", PAN_A)).reason == "account_refused"
        assert led.bind(BindRequest("k2", "good", PAN_B)).bound
    with SqliteBindLedger(path) as led:
        assert led.lookup("k2").bound
        assert not led.lookup("k1").bound
        assert led.bound_cards()[0][0] == SqliteBindLedger.pan_hash(PAN_B)


def test_request_repr_masks_the_pan() -> None:
    request = BindRequest("k1", "s1", PAN_A)
    assert PAN_A not in repr(request)
    assert request.pan_masked == "621700*********0123"


requests = st.lists(
    st.tuples(st.sampled_from(["k1", "k2", "k3", "k4"]), st.sampled_from([PAN_A, PAN_B, "6217000000000000001"])),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(requests)
def test_any_sequence_keeps_one_binding_per_card_and_stable_answers(tmp_path_factory, seq) -> None:
    path = tmp_path_factory.mktemp("ledger") / "l.db"
    with SqliteBindLedger(path) as led:
        answers = {}
        for key, pan in seq:
            out = led.bind(BindRequest(key, "s-" + key, pan))
            answers.setdefault((key, pan), out)
            assert out == answers[(key, pan)]
        pans = [row[0] for row in led.bound_cards()]
        assert len(pans) == len(set(pans))
