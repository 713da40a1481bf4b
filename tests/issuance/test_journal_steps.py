"""The card book: journal row, card row and storage counts change together or not at all."""

from __future__ import annotations

import pytest
from issuance_helpers import add_session

from kiosk_app.flow.issuance import CardBook, Location, UnknownSession
from sync_agent import journal
from sync_agent.localdb import LocalDb

PAN = "6217001234567890123"


class Boom(Exception):
    pass


def test_open_card_needs_a_recorded_session(db: LocalDb) -> None:
    with pytest.raises(UnknownSession):
        CardBook(db).open_card("nobody", {})
    assert db.conn.execute("SELECT COUNT(*) FROM issued_cards").fetchone()[0] == 0


def test_steps_write_row_journal_and_counts_together(db: LocalDb) -> None:
    book = CardBook(db)
    add_session(db, "s1")
    book.set_storage(stack=5, bin_count=0, reason="refill", staff_id="m1")
    card = book.open_card("s1", {})
    assert [c.card_id for c in book.open_cards()] == [card]
    book.step(card, "dispense.done", Location.IC, stack_delta=-1)
    book.step(card, "read.done", Location.IC, pan_masked="621700*********0123")
    book.step(card, "retract.done", Location.BIN, {"reason": "test"}, bin_delta=1)
    assert book.storage() == {"stack": 4, "bin": 1}
    assert book.card(card).location is Location.BIN and book.card(card).pan_masked == "621700*********0123"
    assert book.open_cards() == []
    kinds = [e.kind for e in journal.entries(db)]
    assert kinds[-4:] == ["issuance.dispense.intent", "issuance.dispense.done", "issuance.read.done",
                          "issuance.retract.done"]
    assert book.last_record(card)["storage"] == {"stack": 4, "bin": 1}
    assert journal.verify_chain(db).intact


@pytest.mark.parametrize("point", ["in:issuance.dispense.done", "pre:issuance.dispense.done"])
def test_a_failure_inside_the_step_leaves_nothing_half_written(db: LocalDb, point: str) -> None:
    add_session(db, "s1")
    CardBook(db).set_storage(stack=3, reason="refill")
    card = CardBook(db).open_card("s1", {})
    rows_before = len(journal.entries(db))

    def hook(at: str) -> None:
        if at == point:
            raise Boom(at)

    with pytest.raises(Boom):
        CardBook(db, hook=hook).step(card, "dispense.done", Location.IC, stack_delta=-1)
    book = CardBook(db)
    assert book.storage()["stack"] == 3
    assert book.card(card).state == "dispense.intent"
    assert len(journal.entries(db)) == rows_before
    assert journal.verify_chain(db).intact


def test_journal_never_holds_the_full_pan(db: LocalDb) -> None:
    add_session(db, "s1")
    book = CardBook(db)
    card = book.open_card("s1", {})
    book.step(card, "read.done", Location.IC, pan_masked="621700*********0123")
    text = "".join(str(e.record) for e in journal.entries(db))
    assert PAN not in text and "621700*********0123" in text
