"""Card issuance for the journey: the issuance service, with the bank's account opening as its bind step
and the PIN pad plus the bank's set-PIN call as its PIN step.

The full PAN exists only inside one `issue()` call: the chip read hands it to `bind`, which opens the
account, and the PIN pad needs it for the ISO 9564 format-0 block; it is dropped when the call returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.pinpad import Key, KeyEvent, PadEvent, PhaseEvent, PinPad
from drivers.status import DeviceState
from kiosk_app.flow.issuance import BindOutcome, BindRequest, IssuanceService, IssueStatus, PinRequest, Progress
from kiosk_app.flow.model import Account, CardIssued
from kiosk_app.flow.ports import CentralPort, IssueRequest, IssueResult, PortError

log = logging.getLogger(__name__)

# Issuance status -> (message key, does a lobby manager have to act before the kiosk can go on).
STATUS_KEYS: dict[IssueStatus, tuple[str, bool]] = {
    IssueStatus.NOT_TAKEN: ("card_not_taken", False),
    IssueStatus.STOCK_EMPTY: ("stock_empty", True),
    IssueStatus.BIN_FULL: ("bin_full", True),
    IssueStatus.JAM: ("card_jam", True),
    IssueStatus.DEVICE_ERROR: ("device_error", True),
    IssueStatus.CHIP_ERROR: ("device_error", False),
    IssueStatus.BIND_REFUSED: ("central_needs_staff", False),
    IssueStatus.PIN_FAILED: ("pin_failed", False),
    IssueStatus.CANCELLED: ("cancelled", False),
    IssueStatus.NEEDS_RECOVERY: ("device_error", True),
}


class PinKeyCounter:
    """Turns the pad's events into "entry N, K of 6 digits" screens: counts only, never digits (the pad keeps
    them); a phase starts a new count, Clear resets it, Enter and Cancel change nothing on screen."""

    def __init__(self, report: Callable[..., None], timeout_s: int, length: int = 6, *, prefix: str = "pin") -> None:
        self.report, self.timeout_s, self.length, self.prefix = report, timeout_s, length, prefix
        self.step, self.digits = f"{prefix}_first", 0  # prefix "login": the e-banking password's screens

    def __call__(self, event: PadEvent) -> None:
        if isinstance(event, PhaseEvent):
            self.step, self.digits = f"{self.prefix}_{event.phase.name.lower()}", 0
        elif isinstance(event, KeyEvent) and event.key in (Key.DIGIT, Key.CLEAR):
            self.digits = min(self.digits + 1, self.length) if event.key is Key.DIGIT else 0
        else:
            return
        entry = 2 if self.step.endswith("_confirm") else 1
        self.report(self.step, self.timeout_s, data={"digits": self.digits, "length": self.length, "entry": entry})


def choose_on_pad(pinpad: PinPad, *, birth_date: str, timeout_s: int, attempts: int,
                  on_progress: Callable[..., None], prefix: str = "pin") -> bool:
    """The pad takes a new PIN (or login password) twice, refusing weak ones and mismatches up to `attempts`
    times; True once it holds one (read its block next). Raises DeviceTimeout/LinkError if the pad stops talking."""
    for _ in range(attempts):
        entry = pinpad.set_new_pin(birth_date=birth_date, timeout_s=timeout_s,
                                   on_event=PinKeyCounter(on_progress, timeout_s, prefix=prefix))
        if entry.ok:
            return True
        if entry.error_code not in ("weakPin", "pinMismatch"):
            return False
        on_progress(f"{prefix}_{entry.error_code}")
    return False


@dataclass
class _Call:
    request: IssueRequest
    pan: str = field(default="", repr=False)
    account: Account | None = None


class IssuerAdapter:
    def __init__(self, service: IssuanceService, central: CentralPort, pinpad: PinPad, *, key_slot: int,
                 key_id: str, pin_timeout_s: int = 30, pin_attempts: int = 3) -> None:
        self.service, self.central, self.pinpad = service, central, pinpad
        self.key_slot, self.key_id = key_slot, key_id
        self.pin_timeout_s, self.pin_attempts = pin_timeout_s, pin_attempts

    def pinpad_problem(self) -> str | None:
        """Why the PIN pad cannot take a PIN now (tampered, no working key, silent), or None.

        Checked before a card is dispensed: otherwise the bank opens an account, the PIN step fails and the
        card is captured, for every customer until someone notices.
        """
        status = self.pinpad.status()
        if status.device is DeviceState.FRAUD_ATTEMPT:
            return "pinpad_tampered"
        if status.device not in (DeviceState.ONLINE, DeviceState.BUSY):
            return "device_error"
        if str(self.key_slot) not in status.details.get("keys", "").split(","):
            return "pinpad_no_key"
        return None

    def issue(self, request: IssueRequest) -> IssueResult:
        problem = self.pinpad_problem()
        if problem is not None:
            log.warning("PIN pad not ready (%s): no card dispensed", problem)
            return IssueResult(None, None, problem, needs_staff=True)
        call = _Call(request)
        outcome = self.service.issue(
            request.session_id, bind=lambda b: self._bind(call, b), set_pin=lambda p: self._set_pin(call, p),
            on_progress=lambda p: self._progress(request.on_progress, p),
        )
        call.pan = ""
        if outcome.ok:
            return IssueResult(CardIssued(outcome.pan_masked or "", taken=True), call.account)
        key, staff = STATUS_KEYS.get(outcome.status, ("device_error", True))
        log.warning("issuance ended %s (%s)", outcome.status.value, outcome.error_code)
        return IssueResult(None, call.account, key, staff)

    @staticmethod
    def _progress(on_progress: Callable[..., None], progress: Progress) -> None:
        on_progress(progress.step, progress.timeout_s)

    def _bind(self, call: _Call, request: BindRequest) -> BindOutcome:
        call.pan = request.pan
        try:
            call.account = self.central.open_account(call.request.open_account, request.pan,
                                                     key=request.idempotency_key)
        except PortError as exc:
            return BindOutcome(False, None, exc.key)
        return BindOutcome(True, call.account.account_id)

    def _set_pin(self, call: _Call, request: PinRequest) -> bool:
        """The pad takes the PIN twice and applies the weak-PIN rules; the bank stores the encrypted block."""
        if not choose_on_pad(self.pinpad, birth_date=call.request.birth_date_hint, timeout_s=self.pin_timeout_s,
                             attempts=self.pin_attempts, on_progress=call.request.on_progress):
            return False
        block = self.pinpad.read_pin_block(call.pan, self.key_slot)
        if not block.ok or call.account is None:
            return False
        try:
            self.central.set_pin(call.account, block.value.block, self.key_id, key=f"{request.session_id}:pin")
        except PortError:
            return False
        return True
