"""Capture a card to the bin, journaled before and after; shared by the service and by recovery.

A captured card that may be bound to an account also leaves an outbox event (stream "issuance", kind
"card_retained") in the same transaction, so the bank can cancel the binding: the card is never presented
again, to anyone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from drivers.dispenser.tables import FULL, MEDIA_JAM, CardPosition, Target
from kiosk_app.flow.issuance.outcomes import IssueStatus, Location
from kiosk_app.flow.issuance.ports import DispenserPort
from kiosk_app.store.cards import CardBook
from sync_agent import outbox

log = logging.getLogger(__name__)
OUTBOX_STREAM = "issuance"


@dataclass(frozen=True)
class Settled:
    """Where a card ended up after a capture attempt; `status` is None when it is in the bin as asked."""

    location: Location
    status: IssueStatus | None = None
    error_code: str | None = None


def capture(book: CardBook, dispenser: DispenserPort, card_id: int, *, reason: str,
            bound: bool | None) -> Settled:
    """Retract the card at the IC station or the gate into the bin.

    Raises DeviceError if the link breaks (the retract intent stays open for recovery).
    """
    row = book.card(card_id)
    before = dispenser.bin_counter()
    record = {"reason": reason, "bound": bound, "bin_counter_before": before, "from": row.location.value}
    book.step(card_id, "retract.intent", row.location, record)
    result = dispenser.move(Target.BIN)
    if result.ok:
        return finish_capture(book, card_id, reason=reason, bound=bound)
    status = dispenser.status()
    if status.card_position is CardPosition.NONE:
        return settle_gone(book, dispenser, card_id, book.last_record(card_id))
    failed = IssueStatus.BIN_FULL if result.error_code == FULL else (
        IssueStatus.JAM if result.error_code == MEDIA_JAM else IssueStatus.DEVICE_ERROR)
    where = Location.IC if status.card_position is CardPosition.IC else Location.GATE
    book.step(card_id, "retract.failed", where, {"reason": reason, "error": result.error_code})
    log.warning("card %d not captured: %s", card_id, result.error_code)
    return Settled(where, failed, result.error_code)


def finish_capture(book: CardBook, card_id: int, *, reason: str, bound: bool | None) -> Settled:
    """Journal the card in the bin (+1 bin) and, if it may be bound, tell the bank, in one transaction."""
    row = book.card(card_id)
    with book.db.transaction():
        book.step(card_id, "retract.done", Location.BIN, {"reason": reason, "bound": bound}, bin_delta=1)
        if bound is not False and row.bind_key:
            outbox.enqueue(book.db, OUTBOX_STREAM, "card_retained", _retained_event(row, reason, bound))
    return Settled(Location.BIN)


def _retained_event(row: Any, reason: str, bound: bool | None) -> dict[str, Any]:
    return {"card_id": row.card_id, "session_id": row.session_id, "pan_masked": row.pan_masked,
            "bind_key": row.bind_key, "bound": bound, "reason": reason}


def settle_gone(book: CardBook, dispenser: DispenserPort, card_id: int, record: dict[str, Any]) -> Settled:
    """The channel is empty after a retract intent: the bin counter tells bin from customer.

    Raises DeviceError if the link breaks.
    """
    before, now = record.get("bin_counter_before"), dispenser.bin_counter()
    reason, bound, origin = record.get("reason", "unknown"), record.get("bound"), record.get("from")
    counted = before is not None and now is not None
    if (counted and now > before) or (not counted and origin == Location.IC.value):
        return finish_capture(book, card_id, reason=reason, bound=bound)
    if counted and origin == Location.GATE.value:
        book.step(card_id, "taken", Location.CUSTOMER, {"during": "retract"})
        return Settled(Location.CUSTOMER)
    book.step(card_id, "missing", Location.CHANNEL, {"from": origin, "bin_counter": now})
    return Settled(Location.CHANNEL, IssueStatus.DEVICE_ERROR, "unaccounted")
