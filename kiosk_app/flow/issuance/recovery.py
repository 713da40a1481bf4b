"""Start-up recovery: settle every card an interrupted issuance left open, and journal what was done.

Evidence, in order of trust: the dispenser's sensors (where a card is now), the journal (the last intent or
outcome of the card, with the bin counter taken before a retract), and the bank's answer to the bind looked
up by idempotency key. Policy: a card still inside the kiosk goes to the bin, bound or not, because its
session is gone and it must never be presented to anyone else; a card gone from the gate was taken by its
customer. Recovery is itself journaled step by step, so a crash during recovery is settled by the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from drivers.dispenser.tables import CardPosition, DispenserStatus
from kiosk_app.flow.issuance.capture import Settled, capture, settle_gone
from kiosk_app.flow.issuance.outcomes import BindOutcome, IssueStatus, Location, mask_pan
from kiosk_app.flow.issuance.ports import BindLookup, ChipPort, DispenserPort
from kiosk_app.store.cards import CardBook, CardRow, StepHook
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)

_AT = {CardPosition.IC: Location.IC, CardPosition.GATE: Location.GATE}


@dataclass(frozen=True)
class SettledCard:
    """What recovery did with one card: where it is now and whether it may be bound to an account."""

    card_id: int
    session_id: str | None
    found_state: str
    location: Location
    bound: bool | None
    problem: IssueStatus | None = None


@dataclass(frozen=True)
class RecoveryReport:
    """The cards recovery settled, the storage counts after it, and whether staff must step in."""

    cards: tuple[SettledCard, ...]
    storage: dict[str, int]
    needs_staff: bool

    @property
    def clean(self) -> bool:
        return not self.cards


def recover(db: LocalDb, dispenser: DispenserPort, *, bind_lookup: BindLookup, chip: ChipPort | None = None,
            hook: StepHook | None = None) -> RecoveryReport:
    """Find every open card, put it somewhere safe and journal it; run before the first issuance.

    Raises DeviceError if the dispenser cannot be reached (nothing is changed then; run it again later).
    """
    book = CardBook(db, hook=hook)
    cards = book.open_cards()
    if not cards:
        return RecoveryReport((), book.storage(), False)
    status = dispenser.status()
    book.note("recover.start", {"open_cards": [c.card_id for c in cards], **_sensed(status)})
    settled = [_orphan(book, card) for card in cards[:-1]]
    settled.append(_settle(book, dispenser, cards[-1], status.card_position, bind_lookup, chip))
    report = RecoveryReport(tuple(settled), book.storage(), any(s.problem for s in settled))
    book.note("recover.done", {"cards": [[s.card_id, s.location.value] for s in settled],
                               "needs_staff": report.needs_staff, "storage": report.storage})
    return report


def _sensed(status: DispenserStatus) -> dict[str, object]:
    return {"position": status.card_position.name.lower(), "stacker": status.stacker.name.lower(),
            "bin_full": status.bin_full}


def _orphan(book: CardBook, card: CardRow) -> SettledCard:
    """Only one card can be in the channel; an older open card is not there any more: staff must look."""
    book.step(card.card_id, "missing", Location.CHANNEL, {"found_state": card.state, "why": "superseded"})
    return SettledCard(card.card_id, card.session_id, card.state, Location.CHANNEL, None, IssueStatus.DEVICE_ERROR)


def _settle(book: CardBook, dispenser: DispenserPort, card: CardRow, position: CardPosition,
            bind_lookup: BindLookup, chip: ChipPort | None) -> SettledCard:
    found, bound = card.state, _bound(card, bind_lookup)
    if card.state == "dispense.intent":
        if position is CardPosition.NONE:
            book.step(card.card_id, "dispense.void", Location.STACK, {"why": "card never left the stack"})
            return SettledCard(card.card_id, card.session_id, found, Location.STACK, False)
        book.step(card.card_id, "recover.dispensed", _AT[position], stack_delta=-1)
    elif position is CardPosition.NONE:
        return _from_empty_channel(book, dispenser, card, bound)
    elif card.location is not _AT[position]:
        book.step(card.card_id, "recover.found", _AT[position], {"believed": card.location.value})
    _identify(book, card, position, chip)
    result = capture(book, dispenser, card.card_id, reason="session_died", bound=bound)
    return _report(card, found, result, bound)


def _from_empty_channel(book: CardBook, dispenser: DispenserPort, card: CardRow, bound: bool | None) -> SettledCard:
    """No card in the channel: a retract may have finished, or the customer took the presented card."""
    if card.state == "retract.intent":
        result = settle_gone(book, dispenser, card.card_id, book.last_record(card.card_id))
    elif card.location is Location.GATE or card.state == "present.intent":
        book.step(card.card_id, "taken", Location.CUSTOMER, {"during": "recovery"})
        result = Settled(Location.CUSTOMER)
    else:
        book.step(card.card_id, "missing", Location.CHANNEL, {"found_state": card.state})
        result = Settled(Location.CHANNEL, IssueStatus.DEVICE_ERROR, "unaccounted")
    return _report(card, card.state, result, bound)


def _report(card: CardRow, found: str, result: Settled, bound: bool | None) -> SettledCard:
    if result.status is not None:
        log.warning("recovery left card %d at %s: %s", card.card_id, result.location.value, result.status.value)
    return SettledCard(card.card_id, card.session_id, found, result.location, bound, result.status)


def bind_unknown(idempotency_key: str) -> BindOutcome | None:
    """A `bind_lookup` for when the bank offers no lookup: every captured card that had a bind key is then
    reported to the bank (outbox "card_retained", bound=None) instead of being assumed unbound.

    Raises LookupError always.
    """
    raise LookupError(f"no bind lookup for {idempotency_key}")


def _bound(card: CardRow, bind_lookup: BindLookup) -> bool | None:
    """False when no bind was ever asked or the bank never saw the key; None when the bank cannot say."""
    if not card.bind_key:
        return False
    try:
        outcome = bind_lookup(card.bind_key)
    except Exception as exc:  # the bank is unreachable: assume the worst (bound) when it matters
        log.warning("bind lookup failed for card %d: %s", card.card_id, type(exc).__name__)
        return None
    return bool(outcome and outcome.bound)


def _identify(book: CardBook, card: CardRow, position: CardPosition, chip: ChipPort | None) -> None:
    """Read the PAN of an unidentified card at the IC station, so the journal names the card it captures."""
    if chip is None or card.pan_masked or position is not CardPosition.IC:
        return
    result = chip.read_pan()
    if result.ok and result.value:
        book.step(card.card_id, "recover.identified", Location.IC, pan_masked=mask_pan(result.value))


def staff_settle(db: LocalDb, card_id: int, location: Location, *, staff_id: str, note: str = "") -> None:
    """A lobby manager says where a missing or jammed card went: BIN, or STAFF when pulled out by hand."""
    book = CardBook(db)
    delta = 1 if location is Location.BIN else 0
    book.step(card_id, "staff.settled", location, {"staff_id": staff_id, "note": note}, bin_delta=delta)
