"""The typed vocabulary of card issuance: where a card is, how an issuance ended, what the callables get.

The journey maps `IssueStatus` to customer and lobby messages by key; it never sees a full PAN. Objects that
must carry the full PAN (the bind request) keep it out of their repr.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.status import Completion
from kiosk_app.logs.redact import mask_pan
from kiosk_app.store.cards import FINAL_LOCATIONS, Location

__all__ = [
    "FINAL_LOCATIONS",
    "BindOutcome",
    "BindRequest",
    "IssuanceOutcome",
    "IssueStatus",
    "Location",
    "PinRequest",
    "Progress",
    "mask_pan",
]


class IssueStatus(enum.Enum):
    """How one issuance ended; `value` is the customer message key."""

    ISSUED = "card_issued"
    NOT_TAKEN = "card_retained_not_taken"
    STOCK_EMPTY = "card_stock_empty"
    BIN_FULL = "card_bin_full"
    JAM = "card_jam"
    DEVICE_ERROR = "card_device_error"
    CHIP_ERROR = "card_chip_error"
    BIND_REFUSED = "card_bind_refused"
    PIN_FAILED = "card_pin_failed"
    CANCELLED = "card_cancelled"
    NEEDS_RECOVERY = "card_needs_recovery"


@dataclass(frozen=True)
class IssuanceOutcome:
    """The end of one `IssuanceService.issue` call, ready for the journey to show."""

    status: IssueStatus
    card_id: int | None = None
    pan_masked: str | None = None
    location: Location | None = None
    completion: Completion = Completion.SUCCESS
    error_code: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status is IssueStatus.ISSUED


@dataclass(frozen=True)
class BindRequest:
    """Ask the bank to bind the card to the customer's account; `idempotency_key` makes a retry safe."""

    idempotency_key: str
    session_id: str
    pan: str = field(repr=False)

    @property
    def pan_masked(self) -> str:
        return mask_pan(self.pan)


@dataclass(frozen=True)
class BindOutcome:
    """The bank's answer to a bind, also what a lookup by idempotency key returns after a crash."""

    bound: bool
    account_ref: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class PinRequest:
    """Set the PIN of the bound card; the PIN pad holds the digits, the kiosk only the masked PAN."""

    session_id: str
    card_id: int
    pan_masked: str
    bind: BindOutcome


@dataclass(frozen=True)
class Progress:
    """One step of issuance for the screen: `step` names it, `timeout_s` is the wait the customer sees."""

    step: str
    card_id: int | None = None
    timeout_s: float | None = None
