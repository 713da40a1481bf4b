"""The engine that runs the table: dispatch, deadlines with "are you still there?", staff requests, safe exit.

`handle(event)` may block on a device or the central service (a card dispense, a long-poll); the UI calls it
on a worker thread and renders the returned `Screen` on the main thread. Intermediate screens (progress,
"enter your PIN on the pad", "take your card") reach the host through `on_screen`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from kiosk_app.flow import screen_builder, table
from kiosk_app.flow.context import OnDecline, SessionContext, StaffRequest
from kiosk_app.flow.events import Event, Tick, Touch
from kiosk_app.flow.model import Path
from kiosk_app.flow.policy import AccountPolicy
from kiosk_app.flow.ports import (
    AppointmentsPort,
    CardIssuerPort,
    CentralPort,
    CredentialPort,
    FaceCameraPort,
    PortError,
    PrinterPort,
    TokenPort,
)
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.session_outcome import COMPLETED, SessionOutcome
from kiosk_app.flow.staff import StaffAuthenticator
from kiosk_app.flow.table import STAFF_WAITS, TABLE, TERMINAL, St
from kiosk_app.store.sessions import Recorder

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class JourneySettings:
    step_timeout_s: int = 90
    still_there_s: int = 30
    max_extensions: int = 10
    walk_in_form_timeout_s: int = 600
    idle_message_s: int = 10  # a message on the welcome screen ("QR code used", "cancelled") then goes
    locale: str = "zh_CN"
    agreements: tuple[str, ...] = ("account_agreement", "e_banking_agreement", "privacy_notice")
    official_account_url: str = "https://mp.example.invalid/official-account"
    face_capture: bool = False


@dataclass
class Ports:
    tokens: TokenPort
    appointments: AppointmentsPort
    central: CentralPort
    issuer: CardIssuerPort
    printer: PrinterPort
    staff: StaffAuthenticator
    face: FaceCameraPort | None = None
    credential: CredentialPort | None = None  # the e-banking login password on the PIN pad


@dataclass
class Session:
    """One kiosk's journey engine; a new `SessionContext` starts with every customer."""

    ports: Ports
    recorder: Recorder
    settings: JourneySettings = field(default_factory=JourneySettings)
    policy: AccountPolicy = field(default_factory=AccountPolicy)
    clock: Callable[[], float] = time.monotonic
    today: Callable[[], date] = date.today
    on_screen: Callable[[Screen], None] = lambda screen: None
    state: St = St.IDLE
    ctx: SessionContext = field(default_factory=SessionContext)
    screen: Screen = field(default_factory=lambda: Screen("idle"))
    closed: bool = False
    _deadline: float | None = None
    _prompting: bool = False
    _extensions: int = 0
    _pending_errors: dict[str, str] | None = None
    refusal: str = "declined"  # why the session was refused (the refused screen and the outcome show it)
    _confirming_cancel: bool = False
    _idle_message_until: float | None = None

    def __post_init__(self) -> None:
        self.screen = self._screen_for(St.IDLE)

    # --- the one entry point -------------------------------------------------------------------------
    def handle(self, event: Event) -> Screen:
        """Apply one event and return the screen to show now."""
        if isinstance(event, Tick):
            return self._on_tick()
        if isinstance(event, Touch) and self.state is not St.IDLE:
            self.ctx.touches += 1
            if event.action in ("cancel", "keep"):
                return self._cancel(confirmed=event.action == "cancel")
            self._confirming_cancel = False
            if event.action == "extend" and self._prompting:
                return self._extend()
        edge = TABLE.get(self.state, {}).get(event.key)
        if edge is None or (self._prompting and not isinstance(event, Touch)):
            return self.screen
        self._prompting = False
        if self.state is St.IDLE and self.closed:
            return self._show(self._screen_for(St.IDLE))
        origin = self.state
        try:
            next_state = edge.handler(self, event)
        except PortError as exc:
            log.warning("step %s failed: %s", self.state.value, exc)
            next_state = self.port_failure(exc)
        if self.state is origin:
            table.check(origin, event.key, next_state)
        return self.enter(next_state)

    # --- transitions --------------------------------------------------------------------------------
    def enter(self, state: St, *, errors: dict[str, str] | None = None) -> Screen:
        """Move to `state` (or stay, showing `errors`) and record the step."""
        if state is not self.state:
            self.state = state
            self._record_step()
        if state in TERMINAL:
            self._end_session()
        self._arm_deadline()
        screen = self._screen_for(state)
        if errors:
            screen = screen.with_errors(**errors)
        return self._show(screen)

    def stay(self, **errors: str) -> St:
        """Stay on the current step and show these error keys (handlers return this)."""
        self._pending_errors = errors
        return self.state

    def request_staff(self, reason: str, resume: St, on_decline: OnDecline = OnDecline.REFUSE) -> St:
        """Raise a lobby-manager request; the session waits in STAFF_NEEDED until a decision."""
        self.ctx.staff_request = StaffRequest(reason, resume.value, on_decline)
        self.recorder.event(self.ctx.session_id, "staff_requested", {"reason": reason, "resume": resume.value})
        return St.STAFF_NEEDED

    def refuse(self, reason: str) -> St:
        """End the session with a reason the customer and the lobby manager both see."""
        self.refusal = reason
        return St.REFUSED

    def begin(self, path: Path) -> None:
        """Leave idle: a new session row, so every later step has somewhere to be recorded."""
        self.ctx.path = path
        appointment_id = self.ctx.token.appointment_id if self.ctx.token else None
        self.recorder.start(self.ctx.session_id, path.value, appointment_id)

    def port_failure(self, exc: PortError) -> St:
        """A device or central failure: a staff request when a person must act, else an error on this step."""
        if exc.needs_staff and self.state is not St.IDLE:
            return self.request_staff(exc.key, self.state)
        return self.stay(base=exc.key)

    def _cancel(self, *, confirmed: bool) -> Screen:
        """Cancel asks once ("really cancel?") when the customer has something to lose; "keep" goes back."""
        if not confirmed:
            self._confirming_cancel = False
            return self._show(replace(self.screen, confirm=None))
        if self._confirming_cancel or not self._cancel_loses_something():
            return self.safe_exit("cancelled")
        self._confirming_cancel = True
        return self._show(replace(self.screen, confirm="cancel"))

    def _cancel_loses_something(self) -> bool:
        """Anything entered or approved (ID card read, a manager's approval, an agreement); not on a prompt."""
        ctx = self.ctx
        entered = ctx.identity is not None or bool(ctx.staff_approvals or ctx.agreements_accepted)
        return entered and not self._prompting and self.state not in TERMINAL

    def set_closed(self, closed: bool) -> None:
        """Open or close the kiosk to customers; an idle kiosk shows "closed" (or the welcome screen) at once."""
        self.closed = closed
        if self.state is St.IDLE:
            self._show(self._screen_for(St.IDLE))

    def safe_exit(self, outcome: str) -> Screen:
        """Cancel or timeout: release an unused token, end the session, wipe, back to idle."""
        if self.state is St.IDLE:
            return self.screen
        if self.state in TERMINAL:  # already ended and recorded: just leave the last screen
            return self.enter(self.finish())
        if not self.ctx.account_opened and self.ctx.token is not None:
            self.recorder.release_token(self.ctx.token.token_id)
        leaving = table.ON_WALK_AWAY.get(self.state)
        if leaving is not None:  # the card is out: finish what needs no customer before forgetting them
            try:
                leaving(self)
            except PortError as exc:
                log.warning("step %s: finishing after the customer left failed: %s", self.state.value, exc)
        self.recorder.end(self.ctx.session_id, outcome, {"at_state": self.state.value, "touches": self.ctx.touches,
                                                         "screens": self.ctx.screens})
        self._reset()
        return self._show(self._screen_for(St.IDLE).with_errors(base=outcome))

    def _end_session(self) -> None:
        completed = self.state is St.THANK_YOU
        outcome = SessionOutcome(COMPLETED) if completed else SessionOutcome.refused(self.refusal)
        if not completed and not self.ctx.account_opened and self.ctx.token is not None:
            self.recorder.release_token(self.ctx.token.token_id)
        self.recorder.end(self.ctx.session_id, outcome.stored(),
                          {"touches": self.ctx.touches, "screens": self.ctx.screens})
        self.ctx.wipe()

    def finish(self) -> St:
        """Leave a terminal screen for idle with a fresh context."""
        self._reset()
        return St.IDLE

    def _reset(self) -> None:
        self.ctx.wipe()
        self.ctx = SessionContext()
        self.state = St.IDLE
        self._deadline = None
        self._prompting = False
        self._extensions = 0
        self.refusal = "declined"
        self._confirming_cancel = False

    # --- deadlines (WCAG 2.2.1: >= 20 s to extend, >= 10 extensions) --------------------------------------
    def _arm_deadline(self) -> None:
        """A fresh deadline for the step; none at idle, and none while the customer waits for a manager."""
        if self.state is St.IDLE or self.state in STAFF_WAITS:
            self._deadline = None
            return
        limit = self.settings.walk_in_form_timeout_s if self.state is St.WALK_IN_FORM else self.settings.step_timeout_s
        self._deadline = self.clock() + limit
        self._prompting = False

    def _on_tick(self) -> Screen:
        if self._idle_message_until is not None and self.clock() >= self._idle_message_until:
            self._idle_message_until = None
            if self.state is St.IDLE:
                return self._show(self._screen_for(St.IDLE))
        if self._deadline is None or self.clock() < self._deadline:
            return self.screen
        if self.state in TERMINAL:
            self.enter(self.finish())
            return self.screen
        if not self._prompting and self.state is not St.WALK_IN_FORM:
            self._prompting = True
            self._deadline = self.clock() + self.settings.still_there_s
            left = self.settings.max_extensions - self._extensions
            actions = ("extend", "cancel") if left > 0 else ("cancel",)
            data = {"resume": self.state.value, "extensions_left": left}
            return self._show(Screen("still_there", data, actions=actions, timeout_s=self.settings.still_there_s))
        return self.safe_exit("form_timeout" if self.state is St.WALK_IN_FORM else "timeout")

    def _extend(self) -> Screen:
        if self._extensions >= self.settings.max_extensions:
            return self.screen
        self._extensions += 1
        self._arm_deadline()
        return self._show(self._screen_for(self.state))

    # --- screens and records ---------------------------------------------------------------------------
    def _screen_for(self, state: St) -> Screen:
        screen = screen_builder.build(self, state)
        if self._pending_errors:
            screen = screen.with_errors(**self._pending_errors)
            self._pending_errors = None
        return screen

    def _show(self, screen: Screen) -> Screen:
        """Publish a screen; a message on the welcome screen is cleared after `idle_message_s` (next customer)."""
        self.screen = screen
        if screen.step_id == "idle" and screen.errors:
            self._idle_message_until = self.clock() + self.settings.idle_message_s
        self.ctx.screens += 1
        self.on_screen(screen)
        return screen

    def progress(self, screen: Screen) -> None:
        """An intermediate screen during a long step (dispensing, PIN entry, take the card)."""
        self._show(screen)

    def _record_step(self) -> None:
        if self.state is St.IDLE:
            return
        detail: dict[str, Any] = {"path": self.ctx.path.value}
        if self.ctx.token is not None:
            detail["appointment_id"] = self.ctx.token.appointment_id
        self.recorder.step(self.ctx.session_id, self.state.value, detail)
