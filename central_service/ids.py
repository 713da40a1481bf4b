"""Chinese identifiers with their real check characters, for seeding and for the identity rule.

Resident ID numbers (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit sequence (odd for men),
and an ISO 7064 MOD 11-2 check character. Unified social credit codes (GB 32100-2015) for payroll employers:
17 characters and a MOD 31 check character.
"""

from __future__ import annotations

import random
import re
from datetime import date

from central_api_client.people import IdNumberProblem, id_check_char, resident_id_birth_date

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def id_number_valid(value: str) -> bool:
    """True if `value` is an 18-character resident ID number with a real date and the right check character."""
    try:
        resident_id_birth_date(value)
    except IdNumberProblem:
        return False
    return True


def make_id_number(region: str, born: date, rng: random.Random, *, male: bool) -> str:
    """A valid resident ID number for `region` (6 digits) and birth date."""
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(region: str, rng: random.Random) -> str:
    """A well-formed unified social credit code (registration type 91: enterprise)."""
    body = "91" + region + "".join(rng.choice(_USCC_CHARS) for _ in range(9))
    return body + uscc_check_char(body)


_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_valid(value: str) -> bool:
    """True if `value` is a unified social credit code (GB 32100-2015): registering authority and entity type
    (2 characters), a 6-digit administrative region, a 9-character organisation code, and the MOD 31 check
    character over the first 17 (the letters I, O, S, V and Z never occur)."""
    return bool(_USCC_RE.match(value)) and uscc_check_char(value[:17]) == value[17]
