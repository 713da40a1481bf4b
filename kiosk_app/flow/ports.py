"""What the journey needs from the outside world, as small protocols; adapters implement them.

Adapters raise `PortError` with a message key for anything the customer or a lobby manager must hear about;
the session maps keys to screens (`messages.py`). Expected outcomes are return values, not exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kiosk_app.flow.credit import CreditApplication, CreditProduct
from kiosk_app.flow.ebanking import EBankingProof, LoginCredential, PhoneCheck
from kiosk_app.flow.evidence import EvidenceLog
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

    def find_payroll(self, ref: TokenRef, id_number: str) -> Appointment:
        """The pickup appointment of the employee with `id_number` in the payroll batch `ref` names.
        Raises PortError('payroll_entry_not_found' | 'payroll_entry_returned' | 'payroll_not_ready' | ...)."""
        ...


class CentralPort(Protocol):
    def verify_identity(self, session_id: str, identity: Identity, face: bytes | None) -> IdentityCheck: ...

    def open_account(self, request: OpenAccount, pan: str, key: str) -> Account:
        """Open the account and bind the card just read from the chip (one idempotent call)."""
        ...

    def set_pin(self, account: Account, pin_block: bytes, key_id: str, key: str) -> None: ...

    def record_risk_assessment(self, session_id: str, account: Account, answers: dict[str, str],
                               key: str) -> str: ...

    def activate(self, session_id: str, account: Account, service: str, key: str,
                 proof: EBankingProof | None = None) -> dict[str, Any]:
        """Activate a service; e-banking with the confirmed number and the login password (`proof`)."""
        ...

    def start_phone_verification(self, session_id: str, account: Account, phone: str, key: str) -> PhoneCheck:
        """Text a code to the registered number. Raises PortError('sms_too_many' or 'central_unavailable')."""
        ...

    def confirm_phone_verification(self, check: PhoneCheck, code: str, key: str) -> None:
        """Raises PortError('sms_code_wrong' or 'sms_code_expired') if the code does not confirm the number."""
        ...

    def credit_card_products(self) -> list[CreditProduct]:
        """The bank's credit cards, in the order to show them. Raises PortError('central_unavailable')."""
        ...

    def apply_credit_card(self, session_id: str, account: Account, application: CreditApplication,
                          key: str) -> dict[str, Any]:
        """Send a complete application (product, income, employer, the authorisation's evidence)."""
        ...

    def redeem(self, appointment_id: str, token_id: str, key: str) -> None: ...

    def create_walk_in_form(self, session_id: str, identity: Identity, expires_in_s: int) -> WalkInForm: ...

    def walk_in_submission(self, form_id: str, wait_s: float) -> Appointment | None: ...


@dataclass(frozen=True)
class OpenAccount:
    """What the bank needs to open the account; the card's PAN is added by issuance once the chip is read."""

    session_id: str
    verification_id: str
    appointment_id: str | None
    account_class: int
    onsite_check_staff_id: str | None = None
    staff_approval_staff_id: str | None = None
    # what the customer confirmed (with the kiosk's edits), accepted and signed; None only without a signature
    confirmed_data: dict[str, Any] = field(default_factory=dict, repr=False)
    evidence: EvidenceLog | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IssueRequest:
    session_id: str
    open_account: OpenAccount
    birth_date_hint: str = field(repr=False)
    # (step, timeout_s=None, data=None): the screen for a long step, its visible wait, and what it shows
    # (PIN entry: {"digits": how many, "length", "entry": 1 or 2}; digits themselves never)
    on_progress: Callable[..., None]


@dataclass(frozen=True)
class IssueResult:
    """How issuance ended: `account` is set once the bank bound the card, even if the card was then retained."""

    card: CardIssued | None
    account: Account | None
    error: str | None = None
    needs_staff: bool = False


class CardIssuerPort(Protocol):
    def issue(self, request: IssueRequest) -> IssueResult:
        """Dispense, read, open the account and bind, set the PIN, present, wait for the card to be taken."""
        ...


class CredentialPort(Protocol):
    def set_login_credential(self, phone: str, birth_date_hint: str,
                             on_progress: Callable[..., None]) -> LoginCredential | None:
        """The e-banking login password set on the PIN pad (its encrypted block), or None if not set.
        Raises PortError('device_error') if the pad fails."""
        ...


class PrinterPort(Protocol):
    def print_receipt(self, lines: dict[str, Any]) -> None: ...


class FaceCameraPort(Protocol):
    def capture(self) -> bytes:
        """One JPEG of the customer's face. Raises PortError('camera_unavailable')."""
        ...
