"""What the lobby manager's console does to the kiosk: stock and bin, jams, receipts, device lines, today's counts.

Each function does one action and returns the screen to show plus the record to journal; the console
(`manager.py`) checks the manager and the customer session first and journals the record with the
manager's staff id. Device trouble comes back as screen errors, never as exceptions. No Kivy here.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from drivers.dispenser import CardDispenser, InitMode
from drivers.dispenser.tables import MEDIA_JAM
from drivers.errors import DeviceError
from drivers.printer import UnmaskedDataError
from drivers.printer.pii import check_clean
from drivers.printer.preview import render_png
from drivers.printer.template import Receipt
from kiosk_app.flow.device_health import FAULT, OK, WARNING, judge
from kiosk_app.flow.issuance import CardBook, ChipPort, DispenserPort, Location, bind_unknown, recover, staff_settle
from kiosk_app.flow.issuance.outcomes import FINAL_LOCATIONS
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.session_outcome import SessionOutcome
from kiosk_app.store.branch_day import BranchDay
from kiosk_app.store.reports import cards_handed_out, sessions_by_outcome
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)

Outcome = tuple[Screen, dict[str, Any]]
BIN_WARN_AT = 40  # captured cards: most capture bins hold about 50; past this the console asks to empty it
STOCK_ACTIONS = ("refill", "recount", "empty_bin", "clear_jam", "menu")


class Refusal(enum.StrEnum):
    """Why the console did not do what was asked; the value is the error key the view translates."""

    NOT_LOGGED_IN = "manager_not_logged_in"
    TIMED_OUT = "manager_timeout"
    AUTH_FAILED = "staff_auth_failed"
    LOCKED = "staff_locked"
    SESSION_RUNNING = "session_running"
    BAD_INPUT = "manager_bad_input"
    UNKNOWN_ACTION = "manager_unknown_action"
    NO_DISPENSER = "dispenser_unavailable"
    DISPENSER_ERROR = "dispenser_error"
    JAM_NOT_CLEARED = "jam_not_cleared"
    CARDS_UNACCOUNTED = "cards_unaccounted"
    NO_PRINTER = "printer_unavailable"
    NO_RECEIPT = "no_receipt"
    PRINTER_NOT_READY = "printer_not_ready"
    RECEIPT_UNMASKED = "receipt_unmasked"
    NO_PREVIEW = "preview_unavailable"


class DeviceLine(Protocol):
    """One device's status line (`kiosk_app.devices_checks.Check` fits)."""

    name: str
    ok: bool
    state: str

    def line(self) -> str: ...

    def as_dict(self) -> dict[str, object]: ...


class ReprintPort(Protocol):
    """The receipt side of `kiosk_app.flow.adapters.printer.PrinterAdapter`: its last receipt and its printer."""

    last_receipt: Receipt | None
    printer: Any


def refused(refusal: Refusal, step_id: str = "manager_refused", **data: Any) -> Screen:
    return Screen(step_id, data, errors={"base": refusal.value}, actions=("menu", "logout"))


# --- stock and bin ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockReading:
    """The kiosk's own counts (CardBook) beside what the dispenser's sensors and bin counter say."""

    stack: int
    bin: int
    stack_sensor: str | None  # "ok" | "low" | "empty"; None when the dispenser could not be read
    bin_full: bool | None
    bin_counter: int | None  # the device's capture counter; None when it has none or could not be read
    open_cards: tuple[int, ...]
    low_threshold: int
    device_error: str | None = None
    bin_warn_threshold: int = BIN_WARN_AT

    def mismatches(self) -> dict[str, str]:
        """Field -> error key, for each place the counts and the sensors disagree.

        The stacker only knows empty / low / enough, so a count is checked against "empty" alone; the bin
        counter is exact, so it must equal the kiosk's bin count.
        """
        found = {}
        if self.stack_sensor == "empty" and self.stack > 0:
            found["stock"] = "stock_sensor_empty"
        elif self.stack_sensor in ("ok", "low") and self.stack == 0:
            found["stock"] = "stock_sensor_not_empty"
        if self.bin_counter is not None and self.bin_counter != self.bin:
            found["bin"] = "bin_counter_differs"
        return found

    def stock_severity(self) -> str:
        """fault: no cards (counted or sensed); warning: at or under the low threshold, or the sensor says low."""
        if self.stack == 0 or self.stack_sensor == "empty":
            return FAULT
        return WARNING if self.stack <= self.low_threshold or self.stack_sensor == "low" else OK

    def bin_severity(self) -> str:
        if self.bin_full:
            return FAULT
        return WARNING if self.bin >= self.bin_warn_threshold else OK

    def data(self) -> dict[str, Any]:
        return {
            "stock": {"counted": self.stack, "sensor": self.stack_sensor, "low": self.stack <= self.low_threshold,
                      "low_threshold": self.low_threshold, "severity": self.stock_severity()},
            "bin": {"counted": self.bin, "device_counter": self.bin_counter, "full": self.bin_full,
                    "warn_threshold": self.bin_warn_threshold, "severity": self.bin_severity()},
            "open_cards": list(self.open_cards),
            "mismatches": sorted(self.mismatches()),
        }

    def screen(self, **extra: Any) -> Screen:
        errors = dict(self.mismatches())
        if self.device_error:
            errors["base"] = Refusal.DISPENSER_ERROR.value
        return Screen("manager_stock", {**self.data(), **extra}, errors=errors, actions=STOCK_ACTIONS)


def read_stock(book: CardBook, port: DispenserPort | None, low_threshold: int) -> StockReading:
    """Counts from the book and, when the dispenser answers, its sensors and bin counter."""
    storage = book.storage()
    open_cards = tuple(card.card_id for card in book.open_cards())
    base = {"stack": storage["stack"], "bin": storage["bin"], "open_cards": open_cards, "low_threshold": low_threshold}
    if port is None:
        return StockReading(stack_sensor=None, bin_full=None, bin_counter=None, device_error="no dispenser", **base)
    try:
        status = port.status()
        counter = port.bin_counter()
    except DeviceError as exc:
        log.warning("manager: dispenser unreadable: %s", exc)
        return StockReading(stack_sensor=None, bin_full=None, bin_counter=None,
                            device_error=exc.code or type(exc).__name__, **base)
    return StockReading(stack_sensor=status.stock_unit.value, bin_full=status.bin_full, bin_counter=counter, **base)


def set_stack(book: CardBook, port: DispenserPort | None, staff_id: str, count: int, *, reason: str,
              low_threshold: int) -> Outcome:
    """Set the kiosk's stack count (a refill adds, a recount replaces); journaled by the book with the staff id."""
    before = book.storage()["stack"]
    book.set_storage(stack=count, reason=reason, staff_id=staff_id)
    reading = read_stock(book, port, low_threshold)
    return reading.screen(), {"stack_before": before, "stack_after": count, "mismatches": sorted(reading.mismatches())}


def empty_bin(book: CardBook, dispenser: CardDispenser | None, port: DispenserPort | None, staff_id: str, *,
              low_threshold: int) -> Outcome:
    """Staff emptied the bin: the kiosk's count and the device's counter both go to zero.

    The book is reset even if the device refuses, because the bin is physically empty; the refusal shows.
    """
    before = book.storage()["bin"]
    book.set_storage(bin_count=0, reason="bin_emptied", staff_id=staff_id)
    counter_reset = _reset_bin_counter(dispenser)
    reading = read_stock(book, port, low_threshold)
    screen = reading.screen()
    if counter_reset != "ok":
        screen = screen.with_errors(base=Refusal.DISPENSER_ERROR.value)
    return screen, {"bin_before": before, "device_counter_reset": counter_reset}


def _reset_bin_counter(dispenser: CardDispenser | None) -> str:
    if dispenser is None:
        return "no_dispenser"
    try:
        result = dispenser.set_bin_counter(0)
    except DeviceError as exc:
        return exc.code or type(exc).__name__
    return "ok" if result.ok else (result.error_code or result.completion.value)


# --- jams ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JamTools:
    """What clearing a jam touches: the driver (initialise), the issuance ports (recovery) and the book."""

    db: LocalDb
    book: CardBook
    dispenser: CardDispenser
    port: DispenserPort
    chip: ChipPort | None
    low_threshold: int


def clear_jam(tools: JamTools, staff_id: str, *, removed_by_hand: bool) -> Outcome:
    """Initialise the dispenser (card left where it is), then settle every open card.

    Recovery captures a card still in the channel; a card it cannot find was pulled out by the manager when
    `removed_by_hand`, and is settled to STAFF with their id; otherwise it stays listed as unaccounted.
    """
    try:
        init = tools.dispenser.initialise(InitMode.NO_MOVE)
    except DeviceError as exc:
        return refused(Refusal.DISPENSER_ERROR, detail=str(exc)), {"initialise": exc.code or type(exc).__name__}
    if not init.ok:
        why = Refusal.JAM_NOT_CLEARED if init.error_code == MEDIA_JAM else Refusal.DISPENSER_ERROR
        return refused(why, detail=init.detail), {"initialise": init.error_code or init.completion.value}
    try:
        report = recover(tools.db, tools.port, bind_lookup=bind_unknown, chip=tools.chip)
    except DeviceError as exc:
        return refused(Refusal.DISPENSER_ERROR, detail=str(exc)), {"recover": exc.code or type(exc).__name__}
    cards = [_settle_by_hand(tools.db, c.card_id, c.location, staff_id, removed_by_hand) for c in report.cards]
    reading = read_stock(tools.book, tools.port, tools.low_threshold)
    screen = reading.screen(cards=[{"card_id": card_id, "location": where} for card_id, where in cards])
    if reading.open_cards:
        screen = screen.with_errors(base=Refusal.CARDS_UNACCOUNTED.value)
    return screen, {"removed_by_hand": removed_by_hand, "cards": cards, "open_cards": list(reading.open_cards)}


def _settle_by_hand(db: LocalDb, card_id: int, location: Location, staff_id: str, removed: bool) -> tuple[int, str]:
    if location in FINAL_LOCATIONS or not removed:
        return card_id, location.value
    staff_settle(db, card_id, Location.STAFF, staff_id=staff_id, note="removed by hand while clearing a jam")
    return card_id, Location.STAFF.value


# --- receipts -----------------------------------------------------------------------------------------------


def last_receipt(printer: ReprintPort | None) -> Receipt | Screen:
    """The receipt to show or reprint, or the refusal screen; a receipt that is not clean is never shown."""
    if printer is None:
        return refused(Refusal.NO_PRINTER)
    receipt = printer.last_receipt
    if receipt is None:
        return refused(Refusal.NO_RECEIPT)
    try:
        check_clean("reprinted receipt", receipt.plain_text())
    except UnmaskedDataError:
        return refused(Refusal.RECEIPT_UNMASKED)
    return receipt


def receipt_screen(receipt: Receipt, *, printed: bool, preview: Callable[[Receipt], bytes] = render_png) -> Screen:
    """The receipt as text lines and, when the font is there, as the PNG the printer's preview draws."""
    data: dict[str, Any] = {"lines": receipt.plain_text().splitlines(), "printed": printed}
    errors = {}
    try:
        data["png"] = preview(receipt)
    except (FileNotFoundError, OSError) as exc:
        log.warning("manager: receipt preview unavailable: %s", exc)
        errors["preview"] = Refusal.NO_PREVIEW.value
    return Screen("manager_receipt", data, errors=errors, actions=("reprint", "menu"))


def reprint(printer: ReprintPort | None) -> Outcome:
    """Print the last (masked) receipt again on the same printer."""
    found = last_receipt(printer)
    if isinstance(found, Screen):
        return found, {"printed": False, "error": found.errors["base"]}
    try:
        result = printer.printer.print_receipt(found)  # type: ignore[union-attr]
    except DeviceError as exc:
        return refused(Refusal.PRINTER_NOT_READY, detail=str(exc)), {"printed": False, "error": exc.code or "link"}
    if not result.ok:
        code = result.error_code or result.completion.value
        return refused(Refusal.PRINTER_NOT_READY, detail=code), {"printed": False, "error": code}
    return receipt_screen(found, printed=True), {"printed": True}


# --- device lines and today's sessions ---------------------------------------------------------------------


def device_lines(checks: Callable[[], Sequence[DeviceLine]]) -> Outcome:
    """One line per device with its XFS state and details; a failing device is named in the errors."""
    lines = list(checks())
    errors = {line.name: "device_fault" for line in lines if not line.ok}
    devices = [line.as_dict() for line in lines]
    data = {"devices": devices, "lines": [line.line() for line in lines],
            "health": [judge(device).as_dict() for device in devices]}
    screen = Screen("manager_devices", data, errors=errors, actions=("clear_jam", "stock", "menu"))
    return screen, {"failing": sorted(errors)}


def sessions_today(db: LocalDb, branch_day: BranchDay, day: date) -> Outcome:
    """Sessions started on the branch's local `day`, counted by outcome ("refused:card_jam") and kind
    ("refused"); no personal data."""
    lo, hi = branch_day.bounds(day)
    by_outcome = sessions_by_outcome(db, lo, hi)
    by_kind: dict[str, int] = {}
    for outcome, count in by_outcome.items():
        kind = SessionOutcome.parse(outcome).kind
        by_kind[kind] = by_kind.get(kind, 0) + count
    issued = cards_handed_out(db, lo, hi)
    data = {"date": day.isoformat(), "total": sum(by_outcome.values()), "by_outcome": by_outcome,
            "by_kind": by_kind, "cards_issued": issued}
    return Screen("manager_sessions", data, actions=("menu",)), {"date": day.isoformat(), "total": data["total"]}
