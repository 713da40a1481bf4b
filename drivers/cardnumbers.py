"""Card-number arithmetic every device class needs: the Luhn check digit and the displayable masked form.

One place, because the chip reader, the printer's personal-data check, the emulators and the kiosk's
stock of emulated cards must agree on both.
"""

from __future__ import annotations


def luhn_check_digit(body: str) -> str:
    """The Luhn (mod 10) check digit for `body`. Raises ValueError unless `body` is digits."""
    if not body.isdigit():
        raise ValueError("card number body must be digits")
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


def luhn_valid(pan: str) -> bool:
    """True when `pan` is digits and its last digit is the Luhn check digit of the rest."""
    return len(pan) >= 2 and pan.isdigit() and luhn_check_digit(pan[:-1]) == pan[-1]


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits, the rest as '*' (the card industry's rule for a displayed number)."""
    if len(pan) <= 10:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
