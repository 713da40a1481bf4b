"""Masking for receipts, and the check that nothing unmasked reaches paper.

A receipt lies in a bin or a pocket: it must never carry a whole card number, ID number or mobile number.
The template takes personal fields only as `Masked` values (made here), and every rendered line and QR payload
is scanned before a byte is sent. `drivers` may not import the kiosk's log redaction, so the masks are
restated here with the same rules (first 6 + last 4 of a card, first 3 + last 4 of an ID number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drivers.cardnumbers import luhn_valid
from drivers.cardnumbers import mask_pan as _mask_pan_text

_CARD_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")
_ID18 = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
                   r"[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9])[1-9][0-9]{5}[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9][0-9]{9}(?![0-9])")


class UnmaskedDataError(ValueError):
    """A receipt would have printed personal data unmasked; nothing was sent."""


@dataclass(frozen=True)
class Masked:
    """A value already masked for printing; only the `mask_*` functions below make one."""

    text: str
    kind: str

    def __str__(self) -> str:
        return self.text


def mask_pan(pan: str) -> Masked:
    """6222021234567890123 -> 622202*********0123.

    Raises ValueError if `pan` is not 13 to 19 digits.
    """
    digits = pan.replace(" ", "")
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise ValueError("card number must be 13 to 19 digits")
    return Masked(_mask_pan_text(digits), "pan")


def mask_id_number(value: str) -> Masked:
    """110101199003071234 -> 110***********1234.

    Raises ValueError if `value` is not a 15- or 18-character ID number.
    """
    if len(value) not in (15, 18) or not value[:-1].isdigit():
        raise ValueError("ID number must be 15 or 18 characters")
    return Masked(value[:3] + "*" * (len(value) - 7) + value[-4:], "id")


def mask_mobile(value: str) -> Masked:
    """13812345678 -> 138****5678."""
    return Masked(value[:-8] + "****" + value[-4:], "mobile")


def mask_name(value: str) -> Masked:
    """张三丰 -> 张**: one character stays so the customer recognises the receipt."""
    value = value.strip()
    return Masked(value[:1] + "*" * max(len(value) - 1, 1) if value else value, "name")


def find_unmasked(text: str) -> list[str]:
    """Kinds of unmasked personal data in `text` ("pan", "id", "mobile"); empty when it is clean.

    A card number is 13-19 digits (spaces or dashes allowed) that pass Luhn or start with 62 (UnionPay);
    other long references should carry letters or be split, so they cannot be mistaken for one.
    """
    found = []
    if _ID18.search(text) or _ID15.search(text):
        found.append("id")
    for match in _CARD_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if digits.startswith("62") or luhn_valid(digits):
            found.append("pan")
            break
    if _MOBILE.search(text):
        found.append("mobile")
    return found


def check_clean(where: str, text: str) -> None:
    """Raise UnmaskedDataError naming `where` (never the value) if `text` holds unmasked personal data."""
    kinds = find_unmasked(text)
    if kinds:
        raise UnmaskedDataError(f"unmasked {'/'.join(kinds)} in {where}")
