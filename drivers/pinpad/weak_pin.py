"""The weak-PIN rule as the pad's firmware applies it (see docs/pin-policy.md for why it lives in the pad).

The kiosk never sees digits, so it cannot run this check: it sends the rule (a bitmask of `WeakRule`) and a
birth-date hint with the "new PIN" command, and the pad answers only "weak" or "accepted". This module is
the reference implementation the emulator runs; a real pad's firmware must implement the same rules.
"""

from __future__ import annotations

import enum
import itertools
import re

_DATE_RE = re.compile(r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])")


class WeakRule(enum.IntFlag):
    """Which weak-PIN rules the pad enforces; the value is the byte on the wire."""

    NONE = 0
    REPEATED = 0x01  # all one digit: 000000, 111111
    ASCENDING = 0x02  # a run each digit one more than the last: 123456, 345678
    DESCENDING = 0x04  # the other way: 654321
    BIRTH_DATE = 0x08  # any common writing of the customer's birth date



ALL_RULES = WeakRule.REPEATED | WeakRule.ASCENDING | WeakRule.DESCENDING | WeakRule.BIRTH_DATE


def birth_date_forms(birth_date: str, length: int) -> set[str]:
    """Writings of a YYYYMMDD birth date a customer might choose as a PIN of `length` digits.

    Raises ValueError if `birth_date` is not a plausible YYYYMMDD date.
    """
    if not _DATE_RE.fullmatch(birth_date):
        raise ValueError("birth date must be YYYYMMDD")
    yyyy, yy, mm, dd = birth_date[:4], birth_date[2:4], birth_date[4:6], birth_date[6:8]
    forms = {yyyy + mm + dd, yy + mm + dd, mm + dd + yy, dd + mm + yy, mm + dd, dd + mm, yyyy, mm + dd + yyyy,
             dd + mm + yyyy}
    return {f for f in forms if len(f) == length}


def _is_run(pin: str, step: int) -> bool:
    return all((int(b) - int(a)) == step for a, b in itertools.pairwise(pin))


def weak_reason(pin: str, rules: WeakRule, birth_date: str | None = None) -> WeakRule:
    """The first rule `pin` breaks, or `WeakRule.NONE` when it is acceptable.

    Raises ValueError if the birth-date rule is asked for with a malformed birth date.
    """
    checks = (
        (WeakRule.REPEATED, lambda: len(set(pin)) == 1),
        (WeakRule.ASCENDING, lambda: _is_run(pin, 1)),
        (WeakRule.DESCENDING, lambda: _is_run(pin, -1)),
        (WeakRule.BIRTH_DATE, lambda: birth_date is not None and pin in birth_date_forms(birth_date, len(pin))),
    )
    for rule, broken in checks:
        if rules & rule and broken():
            return rule
    return WeakRule.NONE
