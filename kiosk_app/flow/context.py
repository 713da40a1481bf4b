"""Everything one session knows, and the one place that forgets it (`wipe`)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from typing import Any

from kiosk_app.flow.credit import CreditApplication
from kiosk_app.flow.ebanking import EBankingProof
from kiosk_app.flow.evidence import EvidenceLog
from kiosk_app.flow.model import Account, Appointment, CardIssued, Identity, IdentityCheck, Path, TokenRef


class OnDecline(enum.Enum):
    """What a lobby manager's "no" does: end the session refused, or go back and open a class II account."""

    REFUSE = "refused"
    CLASS2 = "class2"


@dataclass
class StaffRequest:
    reason: str
    resume: str
    on_decline: OnDecline = OnDecline.REFUSE
    staff_id: str | None = None
    answer: str | None = None  # the floor's answer to the call: "acknowledged", "on_way" (the customer sees it)


@dataclass(frozen=True)
class StaffApproval:
    """A lobby manager approved `reason` for this customer; `staff_id` goes to the bank with the steps it covers."""

    reason: str
    staff_id: str | None = None


@dataclass
class SessionContext:
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    path: Path = Path.APPOINTMENT
    token: TokenRef | None = None
    appointment: Appointment | None = None
    identity: Identity | None = None
    form_id: str | None = None
    form_url: str | None = None
    check: IdentityCheck | None = None
    onsite_identity_checked: bool = False
    staff_approvals: list[StaffApproval] = field(default_factory=list)
    risk_answers: dict[str, str] = field(default_factory=dict)
    risk_redo: list[str] | None = None
    agreements_accepted: list[str] = field(default_factory=list)
    sensitive_consent: bool = False
    face_decision: str | None = None
    face: bytes | None = field(default=None, repr=False)
    evidence: EvidenceLog = field(default_factory=EvidenceLog, repr=False)
    services: list[str] = field(default_factory=list)
    services_refused: list[str] = field(default_factory=list)
    credit: CreditApplication = field(default_factory=CreditApplication)
    ebanking: EBankingProof = field(default_factory=EBankingProof)
    account: Account | None = None
    card: CardIssued | None = None
    activated: dict[str, Any] = field(default_factory=dict)
    staff_request: StaffRequest | None = None
    mismatches: int = 0

    def approved(self, reason: str) -> bool:
        """Whether a lobby manager approved `reason` in this session."""
        return any(a.reason == reason for a in self.staff_approvals)

    def approver(self, reason: str) -> str | None:
        """The staff id that approved `reason`, or None."""
        return next((a.staff_id for a in self.staff_approvals if a.reason == reason), None)
    touches: int = 0
    screens: int = 0
    account_opened: bool = False

    @property
    def customer(self) -> dict[str, Any]:
        return self.appointment.customer if self.appointment else {}

    def wipe(self) -> None:
        """Forget every piece of personal data this session held; objects are cleared in place too."""
        if self.identity is not None:
            self.identity.wipe()
        if self.appointment is not None:
            self.appointment.wipe()
        self.identity = None
        self.appointment = None
        self.risk_answers.clear()
        self.evidence.wipe()
        self.credit.wipe()
        self.ebanking.wipe()
        self.face = None
        self.activated.clear()
        self.form_url = None
