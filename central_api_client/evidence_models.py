"""Typed models of the evidence an account opening carries (openapi.yaml `Evidence`): the confirmed data, each
agreement and consent with the digest of the text shown and when, and the signature as a PNG plus its strokes.

Why its own module: these are the proof of what the customer saw and signed, read by the kiosk (to send) and by
tests (to read back); keeping them apart keeps `journey_models` readable. Every personal field is out of repr.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from central_api_client.models import ContractModel, Customer, Sha256Hex, UtcDatetime

__all__ = ["AgreementAcceptance", "ConsentRecord", "Evidence", "SignatureEvidence", "text_digest"]

TextId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]
Locale = Literal["zh_CN", "en"]
Coordinate = Annotated[int, Field(ge=0, le=10000)]


def text_digest(text: str) -> str:
    """The version digest of an agreement or consent text: SHA-256 of its UTF-8 bytes, lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AgreementAcceptance(ContractModel):
    agreement_id: TextId
    locale: Locale
    version_digest: Sha256Hex
    accepted_at: UtcDatetime


class ConsentRecord(ContractModel):
    consent_id: TextId
    locale: Locale
    text_digest: Sha256Hex
    given_at: UtcDatetime


class SignatureEvidence(ContractModel):
    """The signature as drawn (PNG, base64) and as written (strokes); `png_sha256` ties the two to one record."""

    png: Annotated[str, StringConstraints(min_length=8, max_length=1_000_000)] = Field(repr=False)
    png_sha256: Sha256Hex
    strokes: Annotated[list[Annotated[list[Coordinate], Field(min_length=2, max_length=4000)]],
                       Field(min_length=1, max_length=200)] = Field(repr=False)
    signed_at: UtcDatetime

    @model_validator(mode="after")
    def _digest_matches(self) -> SignatureEvidence:
        if hashlib.sha256(base64.b64decode(self.png)).hexdigest() != self.png_sha256:
            raise ValueError("png_sha256 is not the SHA-256 of png")
        return self

    def png_bytes(self) -> bytes:
        return base64.b64decode(self.png)


class Evidence(ContractModel):
    confirmed_data: Customer = Field(repr=False)
    edited_fields: Annotated[list[Annotated[str, StringConstraints(min_length=1, max_length=32)]],
                             Field(max_length=16)] | None = None
    agreements: Annotated[list[AgreementAcceptance], Field(max_length=16)]
    consents: Annotated[list[ConsentRecord], Field(max_length=16)]
    signature: SignatureEvidence
