"""The lobby manager's console outside customer sessions: login, device status, stock, jams, receipts, open/close.

Why a console of its own and not states of the journey table: these actions happen between customers, by
staff, and must never mix with a customer's data. Every action needs a logged-in manager, runs only while
the journey is idle, and is journaled (journal + outbox, `Recorder.event`) with the manager's staff id.
While a manager is logged in the kiosk is held closed (a QR scan shows "closed"), so no customer session
can start under the manager's hands; logout restores the open/closed state the manager chose.

Like the journey, each call returns a `Screen` (step_id, data, errors) and the view (`kiosk_app.ui.
manager_view`) only draws it. Methods may block on a device (initialise, print): call them off the UI
thread. No Kivy here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drivers.dispenser import CardDispenser
from kiosk_app.flow import manager_ops as ops
from kiosk_app.flow import screen_builder
from kiosk_app.flow.issuance import CardBook, ChipPort, DispenserPort
from kiosk_app.flow.manager_ops import DeviceLine, Outcome, Refusal, ReprintPort, refused
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.session import Session
from kiosk_app.flow.staff import StaffAuthenticator, StaffLocked
from kiosk_app.flow.states import St
from kiosk_app.store.reports import closed_by_manager
from kiosk_app.store.sessions import Recorder
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)

MENU_ACTIONS = ("devices", "stock", "clear_jam", "receipt", "reprint", "sessions", "logout")
MAX_CARDS = 1000  # more than any stacker holds: a typo guard for refill and recount
STAFF_ID_MAX = 32

__all__ = ["ManagerAction", "ManagerConsole", "ManagerLogin", "Refusal", "StockReading"]
StockReading = ops.StockReading


@dataclass(frozen=True)
class ManagerLogin:
    """The manager typed a staff id and PIN on the console's login screen."""

    staff_id: str
    pin: str = field(repr=False)


@dataclass(frozen=True)
class ManagerAction:
    """A touch on the console: `action` is a menu action, `value` its number (refill) or flag (clear_jam)."""

    action: str
    value: Any = None


class ManagerConsole:
    """Headless lobby-manager console over one kiosk; inject everything it touches.

    `checks` returns one status line per device (e.g. `lambda: device_checks(cfg, devices)`); `dispenser` is
    the driver (initialise, bin counter), `recovery_port`/`chip` the issuance ports recovery uses.
    `clock` drives the inactivity timeout (`idle_timeout_s`); `today` the "today's sessions" day (default: the
    branch's local day, `recorder.day`).
    """

    def __init__(self, *, db: LocalDb, recorder: Recorder, staff: StaffAuthenticator, session: Session,
                 book: CardBook, checks: Callable[[], Sequence[DeviceLine]], dispenser: CardDispenser | None = None,
                 recovery_port: DispenserPort | None = None, chip: ChipPort | None = None,
                 printer: ReprintPort | None = None, clock: Callable[[], float] = time.monotonic,
                 today: Callable[[], date] | None = None, idle_timeout_s: float = 120.0,
                 stock_low_threshold: int = 20, hold_kiosk: bool = True) -> None:
        self.db, self.recorder, self.staff, self.session, self.book = db, recorder, staff, session, book
        self.checks, self.dispenser, self.recovery_port, self.chip = checks, dispenser, recovery_port, chip
        self.printer, self.clock, self.today = printer, clock, today or recorder.day.today
        self.idle_timeout_s, self.stock_low_threshold, self.hold_kiosk = idle_timeout_s, stock_low_threshold, hold_kiosk
        self.staff_id: str | None = None
        self.screen = self._login_screen()
        self._last_active = 0.0
        self._closed_choice = session.closed
        self._lock = threading.RLock()

    @classmethod
    def from_runtime(cls, runtime: Any, *, checks: Callable[[], Sequence[DeviceLine]], **overrides: Any
                     ) -> ManagerConsole:
        """Wire a console to a `kiosk_app.runtime.KioskRuntime` (duck-typed: flow does not import the runtime)."""
        session = runtime.session
        deps: dict[str, Any] = {
            "db": runtime.db, "recorder": session.recorder, "staff": session.ports.staff, "session": session,
            "book": runtime.issuance.book, "checks": checks, "dispenser": runtime.devices.dispenser,
            "recovery_port": runtime.issuance.dispenser, "chip": runtime.issuance.chip, "printer": runtime.printer,
            "stock_low_threshold": runtime.cfg.devices.dispenser.stock_low_threshold,
        }
        return cls(**{**deps, **overrides})

    def restore_kiosk_state(self) -> bool:
        """At start: a kiosk a manager closed stays closed after a restart (the last close/open in the journal).

        Returns whether the kiosk is now closed.
        """
        with self._lock:
            closed = closed_by_manager(self.db)
            if closed is not None and not self.logged_in:
                self._closed_choice = closed
                self.session.set_closed(closed)
            return self.session.closed

    @property
    def logged_in(self) -> bool:
        return self.staff_id is not None

    # --- events from the view -------------------------------------------------------------------------------
    def handle(self, event: ManagerLogin | ManagerAction) -> Screen:
        """Apply one console event and return the screen to show now."""
        if isinstance(event, ManagerLogin):
            return self.login(event.staff_id, event.pin)
        actions: dict[str, Callable[[], Screen]] = {
            "menu": self.menu, "devices": self.devices, "stock": self.stock, "empty_bin": self.empty_bin,
            "receipt": self.receipt, "reprint": self.reprint, "sessions": self.sessions_today,
            "close": self.close_kiosk, "open": self.open_kiosk, "logout": self.logout, "leave": self.leave,
            "refill": lambda: self.refill(event.value), "recount": lambda: self.recount(event.value),
            "clear_jam": lambda: self.clear_jam(removed_by_hand=bool(event.value)),
        }
        run = actions.get(event.action)
        if run is None:
            return self._show(self.screen.with_errors(base=Refusal.UNKNOWN_ACTION.value))
        return run()

    # --- login, logout, inactivity ----------------------------------------------------------------------------
    def login(self, staff_id: str, pin: str) -> Screen:
        """Staff id + PIN with the kiosk's lockout; failures and lockouts are journaled with the staff id."""
        staff_id = staff_id.strip()[:STAFF_ID_MAX]
        with self._lock:
            if not self._session_idle():
                return self._show(self._login_screen(Refusal.SESSION_RUNNING))
            try:
                ok = self.staff.authenticate(staff_id, pin)
            except StaffLocked:
                self._journal("manager_login_locked", {"staff_id": staff_id})
                return self._show(self._login_screen(Refusal.LOCKED))
            if not ok:
                return self._show(self._login_screen(self._failed(staff_id)))
            return self._start(staff_id)

    def _failed(self, staff_id: str) -> Refusal:
        locked = _locked_now(self.staff, staff_id)
        self._journal("manager_login_failed", {"staff_id": staff_id, "locked": locked})
        if locked:
            self._journal("manager_login_locked", {"staff_id": staff_id})
            return Refusal.LOCKED
        return Refusal.AUTH_FAILED

    def _start(self, staff_id: str) -> Screen:
        """Hold the kiosk closed, then check again: a customer who got in meanwhile keeps the kiosk."""
        self._closed_choice = self.session.closed
        if self.hold_kiosk:
            self.session.set_closed(True)
        if not self._session_idle():
            self.session.set_closed(self._closed_choice)
            return self._show(self._login_screen(Refusal.SESSION_RUNNING))
        self.staff_id, self._last_active = staff_id, self.clock()
        self._journal("manager_login", {"staff_id": staff_id, "kiosk_held": self.hold_kiosk})
        return self._show(self._menu_screen())

    def logout(self) -> Screen:
        """End the manager's turn; returns the screen customers see next (idle, or "closed")."""
        with self._lock:
            if self.logged_in:
                self._end("staff")
            return self._show(self._customer_screen())

    def leave(self) -> Screen:
        """Leave the console: a logout when logged in, else back to the customers' screen."""
        return self.logout()

    def tick(self) -> Screen:
        """The UI's clock pulse: after `idle_timeout_s` without a touch the manager is logged out.

        Never waits: while an action runs (a device may take seconds) the pulse is skipped.
        """
        if not self._lock.acquire(blocking=False):
            return self.screen
        try:
            if self.logged_in and self._expired():
                self._end("inactivity")
                return self._show(self._customer_screen())
            return self.screen
        finally:
            self._lock.release()

    def _expired(self) -> bool:
        return self.clock() - self._last_active >= self.idle_timeout_s

    def _end(self, reason: str) -> None:
        self.session.set_closed(self._closed_choice)
        self._journal("manager_logout", {"staff_id": self.staff_id, "reason": reason,
                                         "kiosk": "closed" if self._closed_choice else "open"})
        self.staff_id = None

    # --- actions ----------------------------------------------------------------------------------------------
    def menu(self) -> Screen:
        return self._guarded("menu", lambda: (self._menu_screen(), {}), journal=False)

    def devices(self) -> Screen:
        """One line per device: XFS state and details (the doctor's checks)."""
        return self._guarded("devices", lambda: ops.device_lines(self.checks))

    def stock(self) -> Screen:
        """Card stock and bin: the kiosk's counts beside the dispenser's sensors, mismatches flagged."""
        def run() -> Outcome:
            reading = ops.read_stock(self.book, self.recovery_port, self.stock_low_threshold)
            return reading.screen(), {**reading.data(), "open_cards": len(reading.open_cards)}
        return self._guarded("stock", run)

    def refill(self, added: Any) -> Screen:
        """Staff put `added` cards in the stacker: the kiosk's stack count goes up by that many."""
        def run() -> Outcome:
            count = self.book.storage()["stack"] + added
            screen, record = ops.set_stack(self.book, self.recovery_port, self._who(), count, reason="refill",
                                           low_threshold=self.stock_low_threshold)
            return screen, {"added": added, **record}
        return self._guarded("refill", run, valid=_card_count(added, minimum=1))

    def recount(self, count: Any) -> Screen:
        """Staff counted the stacker by hand: the kiosk's stack count becomes `count`."""
        def run() -> Outcome:
            return ops.set_stack(self.book, self.recovery_port, self._who(), count, reason="recount",
                                 low_threshold=self.stock_low_threshold)
        return self._guarded("recount", run, valid=_card_count(count, minimum=0))

    def empty_bin(self) -> Screen:
        """Staff emptied the capture bin: the kiosk's bin count and the device's bin counter go to zero."""
        return self._guarded("empty_bin", lambda: ops.empty_bin(
            self.book, self.dispenser, self.recovery_port, self._who(), low_threshold=self.stock_low_threshold))

    def clear_jam(self, *, removed_by_hand: bool = False) -> Screen:
        """Re-initialise the dispenser and settle any open card (recovery; `staff_settle` for a card pulled out)."""
        def run() -> Outcome:
            if self.dispenser is None or self.recovery_port is None:
                return refused(Refusal.NO_DISPENSER), {"error": Refusal.NO_DISPENSER.value}
            tools = ops.JamTools(self.db, self.book, self.dispenser, self.recovery_port, self.chip,
                                 self.stock_low_threshold)
            return ops.clear_jam(tools, self._who(), removed_by_hand=removed_by_hand)
        return self._guarded("clear_jam", run)

    def receipt(self) -> Screen:
        """The last receipt (masked) as text and PNG preview, without printing."""
        def run() -> Outcome:
            found = ops.last_receipt(self.printer)
            if isinstance(found, Screen):
                return found, {"error": found.errors["base"]}
            return ops.receipt_screen(found, printed=False), {}
        return self._guarded("receipt", run)

    def reprint(self) -> Screen:
        """Print the last receipt again (it holds masked values only) through the same printer."""
        return self._guarded("reprint", lambda: ops.reprint(self.printer))

    def close_kiosk(self) -> Screen:
        """Close the kiosk to customers (it stays closed after logout until a manager opens it)."""
        return self._guarded("close", lambda: self._set_closed(True))

    def open_kiosk(self) -> Screen:
        return self._guarded("open", lambda: self._set_closed(False))

    def _set_closed(self, closed: bool) -> Outcome:
        self._closed_choice = closed
        if not self.hold_kiosk:
            self.session.set_closed(closed)
        return self._menu_screen(), {"closed": closed}

    def sessions_today(self) -> Screen:
        """Today's sessions counted by outcome, and cards handed out; no personal data."""
        return self._guarded("sessions", lambda: ops.sessions_today(self.db, self.recorder.day, self.today()))

    # --- the gate every action passes ---------------------------------------------------------------------------
    def _guarded(self, action: str, run: Callable[[], Outcome], *, valid: bool = True, journal: bool = True) -> Screen:
        """Check manager, inactivity and the journey; run; journal the record with the manager's staff id."""
        with self._lock:
            if not self.logged_in:
                return self._show(self._login_screen(Refusal.NOT_LOGGED_IN))
            if self._expired():
                self._end("inactivity")
                return self._show(self._login_screen(Refusal.TIMED_OUT))
            self._last_active = self.clock()
            if not self._session_idle():
                self._journal("manager_refused", {"staff_id": self.staff_id, "action": action,
                                                  "reason": Refusal.SESSION_RUNNING.value})
                return self._show(refused(Refusal.SESSION_RUNNING))
            if not valid:  # a typo on the keypad: stay where the manager was, say what is wrong
                return self._show(self.screen.with_errors(base=Refusal.BAD_INPUT.value))
            screen, record = run()
            if journal:
                self._journal(f"manager_{action}", {"staff_id": self.staff_id, **record})
            return self._show(screen)

    def _who(self) -> str:
        assert self.staff_id is not None, "actions run only for a logged-in manager"
        return self.staff_id

    def _session_idle(self) -> bool:
        return self.session.state is St.IDLE

    def _journal(self, kind: str, record: dict[str, Any]) -> None:
        self.recorder.event(None, kind, record)

    def _show(self, screen: Screen) -> Screen:
        self.screen = screen
        return screen

    # --- screens ----------------------------------------------------------------------------------------------
    def _login_screen(self, refusal: Refusal | None = None) -> Screen:
        errors = {"base": refusal.value} if refusal else {}
        return Screen("manager_login", errors=errors, actions=("login", "leave"))

    def _menu_screen(self) -> Screen:
        kiosk = "closed" if self._closed_choice else "open"
        toggle = "open" if self._closed_choice else "close"
        return Screen("manager_menu", {"staff_id": self.staff_id, "kiosk": kiosk}, actions=(*MENU_ACTIONS, toggle))

    def _customer_screen(self) -> Screen:
        """What customers see once the manager is gone: the journey's idle screen, or "closed"."""
        return screen_builder.build(self.session, St.IDLE)


def _card_count(value: Any, *, minimum: int) -> bool:
    """A whole number of cards the staff typed on the keypad (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= MAX_CARDS


def _locked_now(staff: StaffAuthenticator, staff_id: str) -> bool:
    """Whether that failure locked the id. StaffAuthenticator has no public query, so read its lock table."""
    return staff._locked_until.get(staff_id, 0.0) > staff.clock()
