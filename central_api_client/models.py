"""Typed models of the contract's appointment, feed, identity and push schemas (openapi.yaml).

Why pydantic: every answer of the service is validated before it reaches the kiosk's database, with per-field
error locations for the ProtocolError. Personal fields are left out of `repr` so a logged model never shows
them. Models dump (`to_json`) to exactly the JSON the contract describes: UTC times with "Z", no nulls.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Appointment", "BranchState", "Change", "ChangePage", "Customer", "DeviceHealth", "Enrolment",
    "EnrolmentRequest", "Event", "EventBatch", "EventBatchResult", "EventResult", "Heartbeat", "HeartbeatAck",
    "KeySet", "LookupRequest", "Payroll", "Problem", "ProblemItem", "PublicKey", "RiskAnswer",
    "RiskQuestionnaire", "Services", "SnapshotPage", "TaxJurisdiction", "TaxResidency", "TombstoneChange",
    "UpsertChange", "UtcDatetime",
]


def to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(to_utc)]
"""An aware datetime normalised to UTC, so it dumps with a "Z" as the contract requires."""

ObjectId = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,4}_[0-9A-Za-z]{6,32}$")]
BranchId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{3,16}$")]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{8,128}$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{6,15}$")]
IdType = Literal["resident_id", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident", "passport"]


class ContractModel(BaseModel):
    """Base: immutable, ignores fields a newer service adds, dumps to contract JSON."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_json(self) -> dict[str, Any]:
        """The JSON object the contract describes (absent instead of null)."""
        return self.model_dump(mode="json", exclude_none=True)


class ProblemItem(ContractModel):
    location: str
    message: str


class Problem(ContractModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: Annotated[int, Field(ge=400, le=599)]
    detail: str | None = None
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class PublicKey(ContractModel):
    kid: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,16}$")]
    alg: Literal["Ed25519"]
    public_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{43}=$")]


class KeySet(ContractModel):
    keys: list[PublicKey]

    def as_texts(self) -> dict[str, str]:
        """`{kid: public key text}`, the shape `tokens.KeyRing.from_texts` takes."""
        return {key.kid: key.public_key for key in self.keys}


class EnrolmentRequest(ContractModel):
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$")] = Field(repr=False)
    kiosk_name: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    csr_pem: Annotated[str, StringConstraints(max_length=8192)] | None = Field(default=None, repr=False)


class Enrolment(ContractModel):
    kiosk_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{3,40}$")]
    branch_id: BranchId
    bearer_token: Annotated[str, StringConstraints(min_length=20)] | None = Field(default=None, repr=False)
    client_certificate_pem: str | None = Field(default=None, repr=False)
    ca_bundle_pem: str | None = Field(default=None, repr=False)
    token_keys: KeySet


class Customer(ContractModel):
    """The customer's personal data: every identifying field is left out of repr."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)] = Field(repr=False)
    name_pinyin: Annotated[str, StringConstraints(max_length=128)] | None = Field(default=None, repr=False)
    gender: Literal["male", "female"] | None = None
    id_type: IdType
    id_number: Annotated[str, StringConstraints(min_length=5, max_length=32)] = Field(repr=False)
    id_expiry: date | None = Field(default=None, repr=False)
    date_of_birth: date = Field(repr=False)
    nationality: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    phone: Phone | None = Field(default=None, repr=False)
    address: Annotated[str, StringConstraints(max_length=200)] | None = Field(default=None, repr=False)
    occupation: Annotated[str, StringConstraints(max_length=64)] | None = None
    employer: Annotated[str, StringConstraints(max_length=100)] | None = Field(default=None, repr=False)
    email: Annotated[str, StringConstraints(max_length=100)] | None = Field(default=None, repr=False)


class TaxJurisdiction(ContractModel):
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    tin: Annotated[str, StringConstraints(max_length=40)] | None = Field(default=None, repr=False)
    no_tin_reason: Literal["not_issued", "not_obtained", "other"] | None = None


class TaxResidency(ContractModel):
    status: Literal["china_only", "other_only", "china_and_other"]
    jurisdictions: Annotated[list[TaxJurisdiction], Field(max_length=10)] | None = None
    declared_at: UtcDatetime


class RiskAnswer(ContractModel):
    question_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    answer: Annotated[str, StringConstraints(min_length=1, max_length=32)]


class RiskQuestionnaire(ContractModel):
    questionnaire_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    answers: Annotated[list[RiskAnswer], Field(max_length=50)]
    answered_at: UtcDatetime | None = None


class Services(ContractModel):
    """The bundle the customer asked for ("six openings and one follow")."""

    debit_card: bool
    mobile_banking: bool = False
    online_banking: bool = False
    risk_assessment: bool = False
    credit_card: bool = False
    wechat_binding: bool = False
    follow_official_account: bool = False


class Payroll(ContractModel):
    employer_name: Annotated[str, StringConstraints(max_length=100)]
    employer_credit_code: Annotated[str, StringConstraints(pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    batch_id: Annotated[str, StringConstraints(max_length=40)]
    agreement_id: Annotated[str, StringConstraints(max_length=40)] | None = None
    employee_number: Annotated[str, StringConstraints(max_length=40)] | None = None


class Appointment(ContractModel):
    id: ObjectId
    branch_id: BranchId
    kind: Literal["individual", "walk_in", "payroll"]
    status: Literal["booked", "redeemed", "cancelled"]
    version: Annotated[int, Field(ge=1)]
    created_at: UtcDatetime
    updated_at: UtcDatetime
    scheduled_for: UtcDatetime | None = None
    redeemed_at: UtcDatetime | None = None
    customer: Customer
    tax_residency: TaxResidency | None = None
    risk_questionnaire: RiskQuestionnaire | None = None
    services: Services
    payroll: Payroll | None = None


class UpsertChange(ContractModel):
    op: Literal["upsert"]
    seq: Annotated[int, Field(ge=1)]
    appointment: Appointment


class TombstoneChange(ContractModel):
    """A cancelled appointment: no personal data."""

    op: Literal["tombstone"]
    seq: Annotated[int, Field(ge=1)]
    appointment_id: ObjectId
    version: Annotated[int, Field(ge=1)]
    updated_at: UtcDatetime


Change = Annotated[UpsertChange | TombstoneChange, Field(discriminator="op")]


class BranchState(ContractModel):
    count: Annotated[int, Field(ge=0)]
    digest: Sha256Hex


class ChangePage(ContractModel):
    changes: list[Change]
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    has_more: bool
    count: Annotated[int, Field(ge=0)]
    checksum: Sha256Hex
    server_time: UtcDatetime
    branch_state: BranchState | None = None


class SnapshotPage(ContractModel):
    appointments: list[Appointment]
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=512)]
    next_page_token: Annotated[str, StringConstraints(min_length=1, max_length=512)] | None = None
    count: Annotated[int, Field(ge=0)]
    checksum: Sha256Hex
    server_time: UtcDatetime


class LookupRequest(ContractModel):
    token: Annotated[str, StringConstraints(min_length=16, max_length=2048)] = Field(repr=False)
    # With a payroll batch QR code: the employee's ID number read from the card (never in repr).
    id_number: Annotated[str, StringConstraints(pattern=r"^[0-9]{17}[0-9X]$")] | None = Field(default=None,
                                                                                             repr=False)


class Event(ContractModel):
    """One kiosk event of the outbox; `payload` is masked by the kiosk before it is written."""

    idempotency_key: IdempotencyKey
    stream: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    kind: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    occurred_at: UtcDatetime
    payload: dict[str, Any] = Field(repr=False)


class EventBatch(ContractModel):
    events: Annotated[list[Event], Field(min_length=1, max_length=500)]


class EventResult(ContractModel):
    idempotency_key: IdempotencyKey
    status: Literal["applied", "rejected"]
    replayed: bool | None = None
    event_id: ObjectId | None = None
    received_at: UtcDatetime | None = None
    problem: Problem | None = None


class EventBatchResult(ContractModel):
    results: list[EventResult]


class DeviceHealth(ContractModel):
    device: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    state: Literal["online", "offline", "hardwareError", "busy", "noDevice", "userError", "powerOff"]
    detail: Annotated[str, StringConstraints(max_length=200)] | None = None


class UpdateOutcome(ContractModel):
    version: Annotated[str, StringConstraints(max_length=32)]
    previous: Annotated[str, StringConstraints(max_length=32)] | None = None
    outcome: Literal["installed", "rolled_back", "failed"]
    at: datetime


class Heartbeat(ContractModel):
    kiosk_time: UtcDatetime
    app_version: Annotated[str, StringConstraints(max_length=32)]
    devices: Annotated[list[DeviceHealth], Field(max_length=32)]
    card_stock: Annotated[int, Field(ge=0)] | None = None
    bin_count: Annotated[int, Field(ge=0)] | None = None
    outbox_depth: Annotated[int, Field(ge=0)]
    last_pull_at: UtcDatetime | None = None
    last_push_at: UtcDatetime | None = None
    clock_offset_ms: int | None = None
    disk_free_bytes: Annotated[int, Field(ge=0)] | None = None
    mode: Literal["open", "closed", "maintenance"] | None = None
    last_update: UpdateOutcome | None = None


class HeartbeatAck(ContractModel):
    server_time: UtcDatetime
    next_heartbeat_s: Annotated[int, Field(ge=1)] | None = None
