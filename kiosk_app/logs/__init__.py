"""Structured logging with personal data masked before any handler sees it."""

from kiosk_app.logs.redact import mask_id_number, mask_mobile, mask_name, mask_pan, redact_text, redact_value
from kiosk_app.logs.setup import RedactionFilter, configure_logging

__all__ = [
    "RedactionFilter",
    "configure_logging",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
    "mask_pan",
    "redact_text",
    "redact_value",
]
