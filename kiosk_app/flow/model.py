"""The journey's own vocabulary: what the flow knows of a customer, an appointment and each outcome.

Adapters translate driver and client types into these once, at the boundary, so the state machine never
depends on a device's bytes or a wire format. Objects holding personal data mask it in repr and can wipe it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk_app.logs.redact import mask_id_number, mask_mobile, mask_name


class Path(enum.Enum):
    APPOINTMENT = "appointment"
    WALK_IN = "walk_in"
    PAYROLL = "payroll"


class Verdict(enum.Enum):
    MATCH = "match"
    NO_MATCH = "no_match"
    NEEDS_STAFF = "needs_staff"


@dataclass(frozen=True)
class TokenRef:
    """A verified appointment QR token: no personal data, only references (and the text, for a lookup)."""

    token_id: str
    appointment_id: str
    branch_id: str
    kind: Path
    text: str = field(default="", repr=False)


@dataclass
class Identity:
    """What the ID card said. Mutable only so that `wipe()` can clear it in place."""

    card_type: str
    id_number: str
    name_zh: str
    name_en: str
    sex: str
    birth_date: date
    nationality: str
    address: str
    valid_to: date | None
    photo: bytes = field(default=b"", repr=False)

    def age_on(self, today: date) -> int:
        years = today.year - self.birth_date.year
        return years - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))

    def __repr__(self) -> str:
        name = mask_name(self.name_zh or self.name_en)
        return f"Identity({self.card_type}, {mask_id_number(self.id_number)}, {name})"

    def wipe(self) -> None:
        self.id_number = self.name_zh = self.name_en = self.address = ""
        self.photo = b""


@dataclass
class Appointment:
    """An appointment as the kiosk needs it; `customer` is the pre-filled form from the mini program."""

    id: str
    branch_id: str
    kind: Path
    status: str
    customer: dict[str, Any]
    tax_residency: dict[str, Any]
    risk_answers: dict[str, str]
    services: list[str]
    employer: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"Appointment({self.id}, {self.kind.value}, {self.status})"

    def wipe(self) -> None:
        self.customer.clear()
        self.tax_residency.clear()
        self.risk_answers.clear()
        if self.employer:
            self.employer.clear()


@dataclass(frozen=True)
class IdentityCheck:
    verdict: Verdict
    blocklisted: bool = False
    holds_class1: bool = False
    reason: str = ""
    verification_id: str = ""


@dataclass(frozen=True)
class Account:
    account_id: str
    account_class: int
    pan_masked: str = ""


@dataclass(frozen=True)
class CardIssued:
    """The card is at the gate or taken; only the masked PAN ever leaves the issuance layer."""

    pan_masked: str
    taken: bool


@dataclass(frozen=True)
class WalkInForm:
    form_id: str
    url: str
    expires_in_s: int


SERVICES = ("mobile_banking", "online_banking", "credit_card", "wechat_pay", "official_account")


REVIEW_FIELDS = ("name", "id_number", "date_of_birth", "phone", "occupation", "address")


def masked_customer(customer: dict[str, Any]) -> dict[str, Any]:
    """The review screen's view: the fields the customer confirms, numbers masked (the name is shown in full:
    the customer must recognise it)."""
    shown = {key: customer[key] for key in REVIEW_FIELDS if customer.get(key)}
    if shown.get("id_number"):
        shown["id_number"] = mask_id_number(shown["id_number"])
    if shown.get("phone"):
        shown["phone"] = mask_mobile(shown["phone"])
    return shown
