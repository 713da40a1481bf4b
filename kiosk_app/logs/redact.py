"""Masking of personal data: the rules live in `central_api_client.redaction` (shared with the central
service, which may not import the kiosk); the kiosk's modules keep importing them from here."""

from central_api_client.redaction import (
    ID15_RE,
    ID18_RE,
    NAME_KEYS,
    mask_id_number,
    mask_mobile,
    mask_name,
    mask_pan,
    redact_text,
    redact_value,
)

__all__ = ["ID15_RE", "ID18_RE", "NAME_KEYS", "mask_id_number", "mask_mobile", "mask_name", "mask_pan",
           "redact_text", "redact_value"]
