"""Typed models of the contract's real-time journey calls and walk-in form sessions (openapi.yaml).

Kept apart from `models` so each file stays readable; both are re-exported by the package. Personal fields
(document numbers, names, photos, PANs, PIN blocks) are left out of `repr`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from central_api_client.evidence_models import (
    AgreementAcceptance,
    ConsentRecord,
    Evidence,
    SignatureEvidence,
)
from central_api_client.models import (
    Appointment,
    ContractModel,
    IdType,
    ObjectId,
    Phone,
    RiskQuestionnaire,
    Services,
    TaxResidency,
    UtcDatetime,
)

__all__ = [
    "Account",
    "ActivationRequest",
    "AgreementAcceptance",
    "CardToBind",
    "ConsentRecord",
    "CreditCardApplication",
    "CreditCardApplicationRequest",
    "CreditCardProduct",
    "CreditCardProductList",
    "Evidence",
    "IdDocument",
    "IdentityVerification",
    "IdentityVerificationRequest",
    "LoginCredential",
    "OpenAccountRequest",
    "PhoneCodeConfirmation",
    "PhoneVerification",
    "PhoneVerificationRequest",
    "PinSet",
    "RedeemRequest",
    "RiskAssessment",
    "RiskAssessmentRequest",
    "ServiceActivation",
    "SetPinRequest",
    "SignatureEvidence",
    "StaffApproval",
    "SubmissionAck",
    "WalkInSession",
    "WalkInSessionRequest",
    "WalkInSubmission",
    "WechatBinding",
    "WechatBindingRequest",
]

IncomeBand = Literal["lt_50k", "50k_100k", "100k_300k", "gt_300k"]
INCOME_BANDS: tuple[str, ...] = ("lt_50k", "50k_100k", "100k_300k", "gt_300k")
SessionRef = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Literal[
    "document_not_found", "document_revoked", "face_mismatch", "face_low_quality", "no_face_image",
    "name_mismatch", "service_degraded",
]


class RedeemRequest(ContractModel):
    kiosk_session_id: SessionRef
    verification_id: ObjectId | None = None


class IdDocument(ContractModel):
    """What the ID card reader read; the chip photo travels base64."""

    id_type: IdType
    id_number: Annotated[str, StringConstraints(min_length=5, max_length=32)] = Field(repr=False)
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(repr=False)
    date_of_birth: date = Field(repr=False)
    id_expiry: date | None = Field(default=None, repr=False)
    gender: Literal["male", "female"] | None = None
    photo: Annotated[str, StringConstraints(max_length=200000)] | None = Field(default=None, repr=False)


class IdentityVerificationRequest(ContractModel):
    kiosk_session_id: SessionRef
    appointment_id: ObjectId | None = None
    document: IdDocument
    face_image: Annotated[str, StringConstraints(max_length=2000000)] | None = Field(default=None, repr=False)
    face_consent: bool | None = None


class IdentityVerification(ContractModel):
    verification_id: ObjectId
    outcome: Literal["match", "no_match", "needs_staff"]
    reasons: list[Reason] | None = None
    blocklisted: bool
    holds_class1_account: bool
    verified_at: UtcDatetime


class CardToBind(ContractModel):
    pan: Annotated[str, StringConstraints(pattern=r"^[0-9]{16,19}$")] = Field(repr=False)
    pan_sequence: Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")] | None = None
    expiry: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")] | None = None


class StaffApproval(ContractModel):
    staff_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    approved_at: UtcDatetime


class OpenAccountRequest(ContractModel):
    kiosk_session_id: SessionRef
    verification_id: ObjectId
    appointment_id: ObjectId | None = None
    account_class: Literal["I", "II"]
    card: CardToBind
    on_site_check: StaffApproval | None = None
    staff_approval: StaffApproval | None = None
    evidence: Evidence | None = None


class Account(ContractModel):
    account_id: ObjectId
    account_class: Literal["I", "II"]
    account_number_masked: str
    card_pan_masked: str
    opened_at: UtcDatetime


class SetPinRequest(ContractModel):
    pin_block: Annotated[str, StringConstraints(pattern=r"^[0-9A-F]{16}([0-9A-F]{16})?$")] = Field(repr=False)
    format: Literal["ISO-0", "ISO-4"]
    key_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PinSet(ContractModel):
    status: Literal["pin_set"]
    set_at: UtcDatetime


class LoginCredential(ContractModel):
    """The e-banking login password as the PIN pad encrypted it (bound to the mobile number)."""

    pin_block: Annotated[str, StringConstraints(pattern=r"^[0-9A-F]{16}([0-9A-F]{16})?$")] = Field(repr=False)
    format: Literal["ISO-0"]
    key_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    bound_to: Literal["mobile"]


class ActivationRequest(ContractModel):
    kiosk_session_id: SessionRef
    phone: Phone | None = Field(default=None, repr=False)
    phone_verification_id: ObjectId | None = None
    login_credential: LoginCredential | None = None


MainlandMobile = Annotated[str, StringConstraints(pattern=r"^1[3-9][0-9]{9}$")]


class PhoneVerificationRequest(ContractModel):
    kiosk_session_id: SessionRef
    account_id: ObjectId
    phone: MainlandMobile = Field(repr=False)


class PhoneCodeConfirmation(ContractModel):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")] = Field(repr=False)


class PhoneVerification(ContractModel):
    phone_verification_id: ObjectId
    status: Literal["sent", "confirmed"]
    phone_masked: Annotated[str, StringConstraints(pattern=r"^[0-9]{3}\*{4}[0-9]{4}$")]
    expires_at: UtcDatetime
    attempts_left: Annotated[int, Field(ge=0, le=5)]


class ServiceActivation(ContractModel):
    service: Literal["mobile_banking", "online_banking"]
    status: Literal["activated"]
    activated_at: UtcDatetime
    reference: str


class RiskAssessmentRequest(ContractModel):
    kiosk_session_id: SessionRef
    verification_id: ObjectId
    appointment_id: ObjectId | None = None
    questionnaire: RiskQuestionnaire
    score: Annotated[int, Field(ge=0, le=100)]
    level: Literal["C1", "C2", "C3", "C4", "C5"]


class RiskAssessment(ContractModel):
    assessment_id: ObjectId
    level: Literal["C1", "C2", "C3", "C4", "C5"]
    valid_until: date
    recorded_at: UtcDatetime


class CreditCardApplicationRequest(ContractModel):
    kiosk_session_id: SessionRef
    verification_id: ObjectId
    account_id: ObjectId
    product_code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    annual_income_band: IncomeBand | None = None
    employer: Annotated[str, StringConstraints(max_length=100)] | None = Field(default=None, repr=False)
    consent: Literal[True]
    credit_report_authorisation: ConsentRecord | None = None


class CreditCardProduct(ContractModel):
    product_code: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    name_zh: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    name_en: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    annual_fee_cny: Annotated[int, Field(ge=0)]
    min_age: Annotated[int, Field(ge=18, le=99)]


class CreditCardProductList(ContractModel):
    products: Annotated[list[CreditCardProduct], Field(max_length=20)]


class CreditCardApplication(ContractModel):
    application_id: ObjectId
    status: Literal["received"]
    received_at: UtcDatetime


class WechatBindingRequest(ContractModel):
    kiosk_session_id: SessionRef
    account_id: ObjectId


class WechatBinding(ContractModel):
    binding_id: ObjectId
    url: str
    expires_at: UtcDatetime


class WalkInSessionRequest(ContractModel):
    kiosk_session_id: SessionRef
    document: IdDocument
    expires_in_s: Annotated[int, Field(ge=60, le=1800)] | None = None  # the kiosk's countdown for the form


class WalkInSession(ContractModel):
    session_id: ObjectId
    status: Literal["waiting", "submitted", "expired"]
    form_url: str = Field(repr=False)  # carries the form secret
    expires_at: UtcDatetime
    appointment: Appointment | None = None


class WalkInSubmission(ContractModel):
    """What the customer types on their own phone (never on the kiosk)."""

    phone: Phone = Field(repr=False)
    address: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(repr=False)
    occupation: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    employer: Annotated[str, StringConstraints(max_length=100)] | None = Field(default=None, repr=False)
    email: Annotated[str, StringConstraints(max_length=100)] | None = Field(default=None, repr=False)
    tax_residency: TaxResidency
    risk_questionnaire: RiskQuestionnaire | None = None
    services: Services


class SubmissionAck(ContractModel):
    status: Literal["submitted"]
