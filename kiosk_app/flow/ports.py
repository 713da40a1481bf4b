"""What the journey needs from the outside world, as small protocols; adapters implement them.

Adapters raise `PortError` with a message key for anything the customer or a lobby manager must hear about;
the session maps keys to screens (`messages.py`). Expected outcomes are return values, not exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk_app.flow.model import Account, Appointment, CardIssued, Identity, IdentityCheck, TokenRef, WalkInForm


class PortError(Exception):
    """A device or the central service failed in a way the journey must show; `key` names the message."""

    def __init__(self, key: str, detail: str = "", *, needs_staff: bool = False) -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key = key
        self.detail = detail
        self.needs_staff = needs_staff


class TokenPort(Protocol):
    def verify(self, text: str) -> TokenRef:
        """Verify a scanned QR text offline and consume it. Raises PortError('token_<reason>')."""
        ...


class AppointmentsPort(Protocol):
    def find(self, ref: TokenRef) -> Appointment:
        """The appointment from the local copy, or fetched by token. Raises PortError('appointment_not_found')."""
        ...


class CentralPort(Protocol):
    def verify_identity(self, session_id: str, identity: Identity, face: bytes | None) -> IdentityCheck: ...

    def open_account(self, session_id: str, identity: Identity, customer: dict[str, Any], account_class: int,
                     key: str) -> Account: ...

    def record_risk_assessment(self, session_id: str, account: Account, answers: dict[str, str],
                               key: str) -> str: ...

    def activate(self, session_id: str, account: Account, service: str, key: str) -> dict[str, Any]: ...

    def redeem(self, appointment_id: str, token_id: str, key: str) -> None: ...

    def create_walk_in_form(self, session_id: str, identity: Identity) -> WalkInForm: ...

    def walk_in_submission(self, form_id: str, wait_s: float) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class IssueRequest:
    session_id: str
    account: Account
    birth_date_hint: str
    on_progress: Callable[[str], None]


class CardIssuerPort(Protocol):
    def issue(self, request: IssueRequest) -> CardIssued:
        """Dispense, read, bind, set the PIN and present the card; wait for it to be taken (or retract)."""
        ...

    def stock(self) -> dict[str, Any]: ...


class PrinterPort(Protocol):
    def print_receipt(self, lines: dict[str, Any]) -> None: ...


class StaffDirectory(Protocol):
    def authenticate(self, staff_id: str, pin: str) -> bool: ...
