"""Issue one debit card: dispense to the IC station, read the PAN, bind, set the PIN, present, wait, retract.

Every physical step is journaled before (intent) and after (outcome) it happens, in the same transaction as
the card row and the storage counts (`kiosk_app.store.cards.CardBook`), so `recover()` can always tell where the
card is. Expected device outcomes come back as an `IssuanceOutcome`; a broken link leaves the card's last
intent open and the kiosk refuses to issue again until `recover()` has settled it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.dispenser.tables import FULL, MEDIA_JAM, NO_MEDIA, CardPosition, StackerLevel, Target
from drivers.errors import DeviceError
from drivers.status import Completion
from kiosk_app.flow.issuance.capture import capture
from kiosk_app.flow.issuance.outcomes import (
    BindOutcome,
    BindRequest,
    IssuanceOutcome,
    IssueStatus,
    Location,
    PinRequest,
    Progress,
    mask_pan,
)
from kiosk_app.flow.issuance.ports import Bind, ChipPort, DispenserPort, OnProgress, SetPin
from kiosk_app.store.cards import CardBook, StepHook
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)


def _no_progress(_progress: Progress) -> None:
    return None


@dataclass
class _Issue:
    """The state of one issue() call; the full PAN lives only here, in memory, for the bind call."""

    session_id: str
    bind: Bind
    set_pin: SetPin
    on_progress: OnProgress
    card_id: int = 0
    pan: str = field(default="", repr=False)
    pan_masked: str | None = None
    bound: BindOutcome | None = None

    def outcome(self, status: IssueStatus, location: Location | None, **kw: object) -> IssuanceOutcome:
        return IssuanceOutcome(status, self.card_id or None, self.pan_masked, location, **kw)  # type: ignore[arg-type]


class IssuanceService:
    """Issues cards one at a time from one dispenser with one chip station; inject everything it touches.

    `taken_timeout_s` is how long a presented card waits at the gate; `poll_s` how often the gate sensor is
    read meanwhile; `cancel` aborts a wait (the card is then captured); `hook` sees every journal point.
    """

    def __init__(self, db: LocalDb, dispenser: DispenserPort, chip: ChipPort, *, taken_timeout_s: float = 30.0,
                 poll_s: float = 0.05, clock: Callable[[], float] = time.monotonic,
                 cancel: threading.Event | None = None, hook: StepHook | None = None) -> None:
        self.book = CardBook(db, hook=hook)
        self.dispenser = dispenser
        self.chip = chip
        self.taken_timeout_s = taken_timeout_s
        self.poll_s = poll_s
        self.clock = clock
        self.cancel = cancel or threading.Event()

    def issue(self, session_id: str, *, bind: Bind, set_pin: SetPin,
              on_progress: OnProgress | None = None) -> IssuanceOutcome:
        """Issue one card to the session's customer; the outcome says where the card ended up.

        Raises UnknownSession if the journey has not recorded the session.
        """
        run = _Issue(session_id, bind, set_pin, on_progress or _no_progress)
        try:
            return self._issue(run)
        except DeviceError as exc:
            log.error("issuance link failure on card %s: %s", run.card_id or "-", exc)
            return run.outcome(IssueStatus.NEEDS_RECOVERY, None, completion=Completion.HARDWARE_ERROR,
                               error_code=exc.code or type(exc).__name__, detail=str(exc))

    def _issue(self, run: _Issue) -> IssuanceOutcome:
        steps = (self._precheck, self._dispense, self._read_pan, self._bind, self._set_pin, self._present)
        for step in steps:
            outcome = step(run)
            if outcome is not None:
                return outcome
        return self._await_taken(run)

    def _precheck(self, run: _Issue) -> IssuanceOutcome | None:
        """Refuse to start when a card is unsettled, the channel is not empty, the stock is out or the bin full."""
        if self.book.open_cards():
            return run.outcome(IssueStatus.NEEDS_RECOVERY, None, completion=Completion.SEQUENCE_ERROR)
        status = self.dispenser.status()
        if status.card_position is not CardPosition.NONE:
            return run.outcome(IssueStatus.NEEDS_RECOVERY, Location.CHANNEL, completion=Completion.SEQUENCE_ERROR,
                               error_code="occupied")
        if status.bin_full:
            return run.outcome(IssueStatus.BIN_FULL, None, completion=Completion.COMMAND_ERROR, error_code=FULL)
        if status.stacker is StackerLevel.EMPTY:
            return run.outcome(IssueStatus.STOCK_EMPTY, None, completion=Completion.COMMAND_ERROR,
                               error_code=NO_MEDIA)
        return None

    def _dispense(self, run: _Issue) -> IssuanceOutcome | None:
        run.on_progress(Progress("dispensing"))
        run.card_id = self.book.open_card(run.session_id, {})
        result = self.dispenser.move(Target.IC)
        if result.error_code == NO_MEDIA:
            self.book.step(run.card_id, "dispense.failed", Location.STACK, {"error": NO_MEDIA})
            self.book.set_storage(stack=0, reason="device_reports_stacker_empty")
            return run.outcome(IssueStatus.STOCK_EMPTY, Location.STACK, completion=result.completion,
                               error_code=NO_MEDIA)
        if result.error_code == MEDIA_JAM:
            self.book.step(run.card_id, "dispense.failed", Location.CHANNEL, {"error": MEDIA_JAM}, stack_delta=-1)
            return run.outcome(IssueStatus.JAM, Location.CHANNEL, completion=result.completion, error_code=MEDIA_JAM)
        if result.ok or self.dispenser.status().card_position is CardPosition.IC:
            self.book.step(run.card_id, "dispense.done", Location.IC, {"retried": not result.ok}, stack_delta=-1)
            return None
        self.book.step(run.card_id, "dispense.failed", Location.STACK, {"error": result.error_code})
        return run.outcome(IssueStatus.DEVICE_ERROR, Location.STACK, completion=result.completion,
                           error_code=result.error_code, detail=result.detail)

    def _read_pan(self, run: _Issue) -> IssuanceOutcome | None:
        run.on_progress(Progress("reading_card", run.card_id))
        self.book.step(run.card_id, "read.intent", Location.IC)
        result = self.chip.read_pan()
        if not result.ok or not result.value:
            self.book.step(run.card_id, "read.failed", Location.IC, {"error": result.error_code})
            return self._retain(run, IssueStatus.CHIP_ERROR, "chip_unreadable", bound=False)
        run.pan, run.pan_masked = result.value, mask_pan(result.value)
        self.book.step(run.card_id, "read.done", Location.IC, pan_masked=run.pan_masked)
        return None

    def _bind(self, run: _Issue) -> IssuanceOutcome | None:
        run.on_progress(Progress("binding", run.card_id))
        key = f"bind-{uuid.uuid4()}"
        self.book.step(run.card_id, "bind.intent", Location.IC, {"bind_key": key}, bind_key=key)
        try:
            run.bound = run.bind(BindRequest(key, run.session_id, run.pan))
        except Exception as exc:  # the bank's call failed: we cannot know, so treat the card as maybe bound
            log.warning("bind call failed for card %d: %s", run.card_id, type(exc).__name__)
            self.book.step(run.card_id, "bind.unknown", Location.IC, {"error": type(exc).__name__})
            return self._retain(run, IssueStatus.BIND_REFUSED, "bind_unreachable", bound=None)
        if not run.bound.bound:
            self.book.step(run.card_id, "bind.refused", Location.IC, {"reason": run.bound.reason})
            return self._retain(run, IssueStatus.BIND_REFUSED, "bind_refused", bound=False)
        self.book.step(run.card_id, "bind.done", Location.IC, {"account_ref": run.bound.account_ref})
        return None

    def _set_pin(self, run: _Issue) -> IssuanceOutcome | None:
        run.on_progress(Progress("setting_pin", run.card_id))
        self.book.step(run.card_id, "pin.intent", Location.IC)
        request = PinRequest(run.session_id, run.card_id, run.pan_masked or "", run.bound or BindOutcome(True))
        try:
            ok = bool(run.set_pin(request))
        except Exception as exc:  # the PIN pad or the bank failed; the card is bound, so it must not go out
            log.warning("set_pin failed for card %d: %s", run.card_id, type(exc).__name__)
            ok = False
        if not ok:
            self.book.step(run.card_id, "pin.failed", Location.IC)
            return self._retain(run, IssueStatus.PIN_FAILED, "pin_not_set", bound=True)
        self.book.step(run.card_id, "pin.done", Location.IC)
        return None

    def _present(self, run: _Issue) -> IssuanceOutcome | None:
        run.on_progress(Progress("presenting", run.card_id))
        self.book.step(run.card_id, "present.intent", Location.IC)
        result = self.dispenser.move(Target.GATE)
        position = self.dispenser.status().card_position
        if result.ok or position is CardPosition.GATE:
            self.book.step(run.card_id, "present.done", Location.GATE, {"timeout_s": self.taken_timeout_s})
            return None
        if position is CardPosition.IC:
            self.book.step(run.card_id, "present.failed", Location.IC, {"error": result.error_code})
            retained = self._retain(run, IssueStatus.DEVICE_ERROR, "present_failed", bound=True)
            return IssuanceOutcome(retained.status, run.card_id, run.pan_masked, retained.location,
                                   result.completion, result.error_code, result.detail)
        self.book.step(run.card_id, "present.failed", Location.CHANNEL, {"error": result.error_code})
        status = IssueStatus.JAM if result.error_code == MEDIA_JAM else IssueStatus.DEVICE_ERROR
        return run.outcome(status, Location.CHANNEL, completion=result.completion, error_code=result.error_code)

    def _await_taken(self, run: _Issue) -> IssuanceOutcome:
        """Poll the gate sensor until the card is taken, the wait times out, or the caller cancels."""
        run.on_progress(Progress("take_card", run.card_id, self.taken_timeout_s))
        deadline = self.clock() + self.taken_timeout_s
        while True:
            if self.dispenser.status().card_position is CardPosition.NONE:
                self.book.step(run.card_id, "taken", Location.CUSTOMER)
                run.on_progress(Progress("done", run.card_id))
                return run.outcome(IssueStatus.ISSUED, Location.CUSTOMER)
            if self.cancel.is_set() or self.clock() >= deadline:
                break
            self.cancel.wait(self.poll_s)
        status = IssueStatus.CANCELLED if self.cancel.is_set() else IssueStatus.NOT_TAKEN
        reason = "cancelled" if self.cancel.is_set() else "not_taken"
        return self._retain(run, status, reason, bound=True)

    def _retain(self, run: _Issue, status: IssueStatus, reason: str, *, bound: bool | None) -> IssuanceOutcome:
        """Capture the card to the bin; if that fails, the device's problem becomes the outcome."""
        run.on_progress(Progress("retaining", run.card_id))
        settled = capture(self.book, self.dispenser, run.card_id, reason=reason, bound=bound)
        if settled.location is Location.CUSTOMER:
            return run.outcome(IssueStatus.ISSUED, Location.CUSTOMER)
        if settled.status is not None:
            return run.outcome(settled.status, settled.location, completion=Completion.COMMAND_ERROR,
                               error_code=settled.error_code, detail=reason)
        return run.outcome(status, Location.BIN, completion=_COMPLETIONS.get(status, Completion.SUCCESS),
                           detail=reason)


_COMPLETIONS = {
    IssueStatus.NOT_TAKEN: Completion.TIMEOUT,
    IssueStatus.CANCELLED: Completion.CANCELED,
    IssueStatus.CHIP_ERROR: Completion.COMMAND_ERROR,
    IssueStatus.BIND_REFUSED: Completion.COMMAND_ERROR,
    IssueStatus.PIN_FAILED: Completion.USER_ERROR,
    IssueStatus.DEVICE_ERROR: Completion.HARDWARE_ERROR,
}
