"""Rules about a person shared by the kiosk and the service's pages: the resident ID number (GB 11643) with its
check character, birth date and age, and the occupation pick list (GB/T 6565 major groups).

Why here: the kiosk and the phone pages must accept the same numbers and offer the same list, and the service
may not import the kiosk; both import the contract's package. Labels live in assets/i18n ([occupation]).
"""

from __future__ import annotations

import re
from datetime import date

# GB/T 6565 occupation major groups, as the bank's forms code them.
OCCUPATIONS: tuple[str, ...] = ("10000", "20000", "30000", "40000", "50000", "60000", "70000", "80000")
ADULT_AGE = 18

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
_CHECK = "10X98765432"
_ID18 = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


class IdNumberProblem(ValueError):
    """Why a resident ID number is refused: `code` is one of format, check_digit, birth_date."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def resident_id_birth_date(number: str) -> date:
    """The birth date a resident ID number carries. Raises IdNumberProblem (format, check_digit, birth_date)."""
    if not _ID18.match(number):
        raise IdNumberProblem("format")
    if id_check_char(number[:17]) != number[17]:
        raise IdNumberProblem("check_digit")
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberProblem("birth_date") from None


def resident_id_gender(number: str) -> str:
    """"male" or "female" from the sequence digit (odd for men)."""
    return "male" if int(number[16]) % 2 else "female"


def age_on(born: date, today: date) -> int:
    """Whole years from `born` to `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
