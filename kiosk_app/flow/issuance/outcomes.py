"""The typed vocabulary of card issuance: where a card is, how an issuance ended, what the callables get.

The journey maps `IssueStatus` to customer and lobby messages by key; it never sees a full PAN. Objects that
must carry the full PAN (the bind request) keep it out of their repr.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.status import Completion
from kiosk_app.logs.redact import mask_pan

__all__ = [
    "BindOutcome",
    "BindRequest",
    "IssuanceOutcome",
    "IssueStatus",
    "Location",
    "PinRequest",
    "Progress",
    "mask_pan",
]


class Location(enum.Enum):
    """Where one card physically is, as the kiosk believes it (written in `issued_cards.location`)."""

    STACK = "stack"
    IC = "ic"
    GATE = "gate"
    CUSTOMER = "customer"
    BIN = "bin"
    STAFF = "staff"  # pulled out by a lobby manager (a jam, a card found loose)
    CHANNEL = "channel"  # somewhere in the transport (jammed, moved by hand): staff must look


FINAL_LOCATIONS = frozenset({Location.STACK, Location.CUSTOMER, Location.BIN, Location.STAFF})


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


# What a lobby manager must be told (None: nothing for staff), and whether the kiosk can go on issuing.
LOBBY_MESSAGES: dict[IssueStatus, tuple[str | None, bool]] = {
    IssueStatus.ISSUED: (None, False),
    IssueStatus.NOT_TAKEN: ("lobby_card_retained", False),
    IssueStatus.STOCK_EMPTY: ("lobby_refill_stock", True),
    IssueStatus.BIN_FULL: ("lobby_empty_bin", True),
    IssueStatus.JAM: ("lobby_clear_jam", True),
    IssueStatus.DEVICE_ERROR: ("lobby_dispenser_error", True),
    IssueStatus.CHIP_ERROR: ("lobby_card_retained", False),
    IssueStatus.BIND_REFUSED: ("lobby_card_retained", False),
    IssueStatus.PIN_FAILED: ("lobby_card_retained", False),
    IssueStatus.CANCELLED: ("lobby_card_retained", False),
    IssueStatus.NEEDS_RECOVERY: ("lobby_issuance_recovery", True),
}


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

    @property
    def customer_message(self) -> str:
        return self.status.value

    @property
    def lobby_message(self) -> str | None:
        return LOBBY_MESSAGES[self.status][0]

    @property
    def needs_staff(self) -> bool:
        """True when the kiosk must stop issuing until a lobby manager acts (refill, empty bin, jam)."""
        return LOBBY_MESSAGES[self.status][1]


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
