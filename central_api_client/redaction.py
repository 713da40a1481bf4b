"""Masking of personal data in free text, structured values and log records, for every process of the
product (kiosk, sync agent, central service): one owner of the rules, in the package both sides import.

Patterns are anchored on non-alphanumeric boundaries so that digits inside cursors, UUIDs and hashes stay
untouched; card numbers need a card-scheme prefix (and a Luhn check unless UnionPay 62), so timestamps,
amounts and sequence numbers are left alone. ID numbers are masked whether or not the check digit is right:
a mistyped ID number is still personal data.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

_B = r"(?<![0-9A-Za-z])"
_E = r"(?![0-9A-Za-z])"
_DATE8 = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_DATE6 = r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
ID18_RE = re.compile(_B + r"[1-9][0-9]{5}" + _DATE8 + r"[0-9]{3}[0-9Xx]" + _E)
ID15_RE = re.compile(_B + r"[1-9][0-9]{5}" + _DATE6 + r"[0-9]{3}" + _E)
CARD_RE = re.compile(_B + r"(?:62|4|5[1-5]|2[2-7]|3[47]|6)[0-9]{11,17}" + _E)
MOBILE_RE = re.compile(r"(?<![0-9A-Za-z+])(?:\+?86[- ]?)?1[3-9][0-9]{9}" + _E)

# Keys whose values are names: masked whole, since a name has no pattern to find it by.
NAME_KEYS = frozenset(
    {"name", "name_zh", "name_en", "full_name", "customer_name", "cardholder", "cardholder_name",
     "chinese_name", "english_name", "guardian_name", "manager_name", "employee_name"}
)


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110***********1234: region hint and tail for a human, nothing more."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_pan(value: str) -> str:
    """6222021234567890123 -> 622202*********0123 (first 6 and last 4, the card industry's rule)."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_mobile(value: str) -> str:
    """13812345678 -> 138****5678; a +86 prefix is kept as written."""
    return value[:-8] + "****" + value[-4:]


def mask_name(value: str) -> str:
    """张三丰 -> 张**, ZHANG SAN -> Z********: one character stays so staff can tell rows apart."""
    value = value.strip()
    return value[:1] + "*" * max(len(value) - 1, 1) if value else value


def _luhn_valid(digits: str) -> bool:
    """The Luhn check of a digit run (drivers.cardnumbers owns card arithmetic for devices; this package
    may not import drivers, and a log filter needs only this yes/no)."""
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
                for i, d in enumerate(int(c) for c in reversed(digits)))
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = match.group(0)
    if (digits.startswith("62") and len(digits) >= 16) or _luhn_valid(digits):
        return mask_pan(digits)
    return digits


def redact_text(text: str) -> str:
    """Mask every ID number, card number and mobile number found in `text`."""
    text = ID18_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = ID15_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = CARD_RE.sub(_card, text)
    return MOBILE_RE.sub(lambda m: mask_mobile(m.group(0)), text)


def redact_value(value: Any, key: str | None = None) -> Any:
    """Redact a structured value: names by key, everything textual by pattern, containers recursively."""
    if isinstance(value, str):
        return mask_name(value) if key is not None and key.lower() in NAME_KEYS else redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, key) for v in value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 10**10:
        return redact_text(str(value))
    return value


_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class RedactionFilter(logging.Filter):
    """Masks personal data in the message, its arguments, extra fields and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        for key in set(record.__dict__) - _STANDARD:
            record.__dict__[key] = redact_value(record.__dict__[key], key)
        if record.exc_info:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True
