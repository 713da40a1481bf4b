"""Typed models of the contract's staff schemas (openapi.yaml, tag `staff`): the branch's kiosk staff
credentials and the kiosk's staff calls as the lobby floor answered them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from central_api_client.models import ContractModel, ObjectId, UtcDatetime

__all__ = ["StaffCall", "StaffCallList", "StaffCallStatus", "StaffCredential", "StaffCredentials"]

StaffId = Annotated[str, StringConstraints(pattern=r"^[A-Z][0-9]{3,8}$")]
PinHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}\$[0-9a-f]{64}$")]
StaffCallStatus = Literal["open", "acknowledged", "on_way", "closed"]


class StaffCredential(ContractModel):
    staff_id: StaffId
    pin_hash: PinHash | None = Field(default=None, repr=False)
    revoked: bool


class StaffCredentials(ContractModel):
    version: Annotated[int, Field(ge=0)]
    credentials: Annotated[list[StaffCredential], Field(max_length=1000)]


class StaffCall(ContractModel):
    call_id: ObjectId
    session_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: StaffCallStatus
    called_at: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    answered_by: StaffId | None = None
    answered_at: UtcDatetime | None = None


class StaffCallList(ContractModel):
    calls: Annotated[list[StaffCall], Field(max_length=100)]
