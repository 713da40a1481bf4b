"""The rules an identity document must pass before the kiosk relies on it.

Each rule is a small function returning the issues it finds; `check_document` runs them in a fixed order so
the first issue is the most basic one (a missing number before a wrong check digit before expiry).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from drivers.idcard.document import (
    IdentityDocument,
    Sex,
    ValidationIssue,
    ValidationRule,
    id_check_digit,
)
from drivers.idcard.layouts import NATIONS, CardType

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_PERMIT15 = re.compile(r"[A-Z]{3}[0-9]{12}")
_ALPHA3 = re.compile(r"[A-Z]{3}")
R = ValidationRule
Issues = list[ValidationIssue]


def _missing(doc: IdentityDocument) -> Issues:
    wanted = ["number", "english_name" if doc.card_type is CardType.FOREIGNER_PERMANENT else "name"]
    return [ValidationIssue(R.MISSING_FIELD, name) for name in wanted if not getattr(doc, name)]


def _number(doc: IdentityDocument) -> Issues:
    if not doc.number:
        return []
    if doc.card_type is CardType.FOREIGNER_PERMANENT:
        ok = _PERMIT15.fullmatch(doc.number) is not None
        return [] if ok else [ValidationIssue(R.NUMBER_FORMAT, "number is not 3 letters and 12 digits")]
    if not _ID18.fullmatch(doc.number):
        return [ValidationIssue(R.NUMBER_FORMAT, "number is not 17 digits and a check character")]
    issues: Issues = []
    if id_check_digit(doc.number[:17]) != doc.number[17]:
        issues.append(ValidationIssue(R.CHECK_DIGIT, "number check digit (ISO 7064 MOD 11-2) is wrong"))
    if doc.number[6:14] != doc.raw.get("birth_date"):
        issues.append(ValidationIssue(R.BIRTH_DATE_MISMATCH, "birth date differs from the number's"))
    if doc.sex in (Sex.MALE, Sex.FEMALE) and (int(doc.number[16]) % 2 == 1) != (doc.sex is Sex.MALE):
        issues.append(ValidationIssue(R.SEX_MISMATCH, "sex differs from the number's sequence digit"))
    return issues


def _codes(doc: IdentityDocument) -> Issues:
    issues: Issues = []
    if doc.sex is None:
        issues.append(ValidationIssue(R.FIELD_CODE, "sex code not in GB/T 2261.1"))
    if doc.card_type is CardType.RESIDENT and doc.nation not in NATIONS:
        issues.append(ValidationIssue(R.FIELD_CODE, "nation code not in GB/T 3304"))
    foreign = doc.card_type in (CardType.FOREIGNER_PERMANENT, CardType.FOREIGNER_PERMANENT_2023)
    if foreign and not _ALPHA3.fullmatch(doc.nationality or ""):
        issues.append(ValidationIssue(R.FIELD_CODE, "nationality is not a GB/T 2659 alpha-3 code"))
    return issues


def _dates(doc: IdentityDocument) -> Issues:
    issues: Issues = []
    if doc.birth_date is None:
        issues.append(ValidationIssue(R.INVALID_DATE, "birth_date is not a real date"))
    if doc.valid_from is None:
        issues.append(ValidationIssue(R.INVALID_DATE, "valid_from is not a real date"))
    if doc.valid_to is None and not doc.no_expiry:
        issues.append(ValidationIssue(R.INVALID_DATE, "valid_to is neither a real date nor 长期"))
    if doc.birth_date and doc.valid_from and doc.birth_date > doc.valid_from:
        issues.append(ValidationIssue(R.DATE_ORDER, "valid_from is before birth_date"))
    if doc.valid_from and doc.valid_to and doc.valid_from > doc.valid_to:
        issues.append(ValidationIssue(R.DATE_ORDER, "valid_to is before valid_from"))
    return issues


def _period(doc: IdentityDocument, today: dt.date) -> Issues:
    if doc.valid_from and today < doc.valid_from:
        return [ValidationIssue(R.NOT_YET_VALID, "valid_from is after today")]
    if doc.valid_to and doc.valid_to < today:
        return [ValidationIssue(R.EXPIRED, "valid_to is before today")]
    return []


_RULES: tuple[Callable[[IdentityDocument], Issues], ...] = (_missing, _number, _codes, _dates)


def check_document(doc: IdentityDocument, today: dt.date) -> tuple[ValidationIssue, ...]:
    """All issues of `doc` on `today`, most basic first; empty when the document is acceptable."""
    issues: Issues = []
    for rule in _RULES:
        issues.extend(rule(doc))
    issues.extend(_period(doc, today))
    return tuple(issues)
