"""Everything that can happen to a session: customer touches, devices, the phone, staff and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk_app.flow.model import Appointment, Identity


@dataclass(frozen=True)
class QrScanned:
    text: str = field(repr=False)
    key = "qr"


@dataclass(frozen=True)
class IdCardRead:
    identity: Identity
    key = "id_card"


@dataclass(frozen=True)
class IdCardUnreadable:
    """The reader saw a card but could not read or validate it; `reason` is a message key."""

    reason: str
    key = "id_card_bad"


@dataclass(frozen=True)
class Touch:
    """A customer's (or staff's) touch on a screen action; `value` carries a pick-list or keypad choice."""

    action: str
    value: Any = None

    @property
    def key(self) -> str:
        return f"touch:{self.action}"


@dataclass(frozen=True)
class FormSubmitted:
    """The walk-in form arrived from the customer's phone, as the appointment the bank made of it."""

    appointment: Appointment = field(repr=False)
    key = "form"


@dataclass(frozen=True)
class StaffAuth:
    staff_id: str
    pin: str = field(repr=False)
    key = "staff_auth"


@dataclass(frozen=True)
class StaffDecision:
    approve: bool
    note: str = ""
    key = "staff_decision"


@dataclass(frozen=True)
class StaffAnswered:
    """The lobby floor answered this session's staff call: "acknowledged" or "on_way" (the manager's id)."""

    status: str
    staff_id: str | None = None
    key = "staff_answered"


@dataclass(frozen=True)
class Tick:
    """The host's clock pulse: lets the session notice deadlines without a timer of its own."""

    key = "tick"


Event = (QrScanned | IdCardRead | IdCardUnreadable | Touch | FormSubmitted | StaffAuth | StaffDecision
         | StaffAnswered | Tick)
