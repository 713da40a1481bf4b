"""Helpers shared by the issuance tests, the crash-campaign child process and the benchmark."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bind_ledger import SqliteBindLedger

from drivers.chip import ChipReader
from drivers.dispenser import CardDispenser
from kiosk_app.flow.issuance import CardBook, Location
from kiosk_app.flow.issuance.adapters import CardDispenserAdapter, ChipReaderAdapter
from kiosk_app.logs.redact import mask_pan
from sync_agent import journal
from sync_agent.localdb import LocalDb


def add_session(db: LocalDb, session_id: str) -> str:
    """Record a session row as the journey's recorder would (issued_cards refers to it)."""
    with db.transaction() as d:
        d.execute(
            "INSERT INTO kiosk_sessions (id, kind, state, started_at) VALUES (?, 'appointment', 'issuing', ?)",
            (session_id, "2026-01-01T00:00:00+00:00"),
        )
    return session_id


@dataclass
class Devices:
    """The kiosk's side of the hardware: driver, chip reader, and the issuance ports over them."""

    driver: CardDispenser
    dispenser: CardDispenserAdapter
    chip: ChipReaderAdapter

    def close(self) -> None:
        self.driver.close()


def open_devices(port: str, reader: str, *, card_timeout: float = 5.0) -> Devices:
    """Open the dispenser port and the chip reader the way the kiosk does at start-up."""
    driver = CardDispenser(port).open()
    reader_obj = ChipReader(reader, card_timeout=card_timeout, read_timeout=5.0)
    return Devices(driver, CardDispenserAdapter(driver), ChipReaderAdapter(reader_obj.read))


def check_invariants(db: LocalDb, ledger: SqliteBindLedger, snapshot: dict[str, Any], total: int) -> None:
    """Every card in exactly one place, counts equal to the hardware, no card bound twice, chain intact.

    Raises AssertionError naming the first broken rule.
    """
    places = {"stack": snapshot["stack"], "bin": snapshot["bin"], "taken": snapshot["taken"],
              "staff": snapshot["staff"]}
    assert snapshot["channel"] is None, f"a card was left in the channel: {snapshot['channel']}"
    every = [pan for cards in places.values() for pan in cards]
    assert len(every) == len(set(every)) == total, "a card is in two places, or lost"
    book = CardBook(db)
    assert book.open_cards() == [], f"unsettled cards: {book.open_cards()}"
    storage = book.storage()
    assert storage == {"stack": len(places["stack"]), "bin": len(places["bin"])}, (storage, snapshot["counters"])
    _check_rows_match(db, places)
    _check_bindings(db, ledger, places)
    report = journal.verify_chain(db)
    assert report.intact, report


def _masked_at(db: LocalDb, location: Location) -> Counter[str]:
    rows = db.conn.execute(
        "SELECT pan_masked FROM issued_cards WHERE location = ? AND pan_masked IS NOT NULL", (location.value,)
    ).fetchall()
    return Counter(r[0] for r in rows)


def _check_rows_match(db: LocalDb, places: dict[str, list[str]]) -> None:
    """The kiosk's rows agree with the hardware: same customers' cards, bin cards it could name are there."""
    customers = db.conn.execute("SELECT COUNT(*) FROM issued_cards WHERE location = 'customer'").fetchone()[0]
    assert customers == len(places["taken"]), "kiosk and hardware disagree on cards given out"
    assert _masked_at(db, Location.CUSTOMER) == Counter(mask_pan(p) for p in places["taken"])
    assert _masked_at(db, Location.BIN) <= Counter(mask_pan(p) for p in places["bin"])
    binned = db.conn.execute("SELECT COUNT(*) FROM issued_cards WHERE location = 'bin'").fetchone()[0]
    assert binned == len(places["bin"]), "kiosk and hardware disagree on cards in the bin"


def _check_bindings(db: LocalDb, ledger: SqliteBindLedger, places: dict[str, list[str]]) -> None:
    """No card bound twice; every card a customer holds is bound to that customer's session; stack unbound."""
    bound = ledger.bound_cards()
    hashes = [row[0] for row in bound]
    assert len(hashes) == len(set(hashes)), "a card is bound twice"
    session_of = {row[0]: row[1] for row in bound}
    for pan in places["stack"]:
        assert SqliteBindLedger.pan_hash(pan) not in session_of, "a card still in the stack is bound"
    held = db.conn.execute(
        "SELECT session_id, pan_masked FROM issued_cards WHERE location = 'customer'"
    ).fetchall()
    for pan in places["taken"]:
        session = session_of.get(SqliteBindLedger.pan_hash(pan))
        assert session is not None, "a customer holds an unbound card"
        assert (session, mask_pan(pan)) in held, "a customer holds a card bound to another session"
