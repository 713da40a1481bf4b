"""The pad-side weak-PIN rule (reference implementation run by the emulator)."""

from __future__ import annotations

import pytest

from drivers.pinpad.weak_pin import ALL_RULES, WeakRule, birth_date_forms, weak_reason

BIRTH = "19900307"


@pytest.mark.parametrize(
    ("pin", "reason"),
    [("111111", WeakRule.REPEATED), ("0000", WeakRule.REPEATED), ("123456", WeakRule.ASCENDING),
     ("345678", WeakRule.ASCENDING), ("654321", WeakRule.DESCENDING), ("9876", WeakRule.DESCENDING),
     ("900307", WeakRule.BIRTH_DATE), ("030790", WeakRule.BIRTH_DATE), ("070390", WeakRule.BIRTH_DATE),
     ("0307", WeakRule.BIRTH_DATE), ("1990", WeakRule.BIRTH_DATE), ("19900307", WeakRule.BIRTH_DATE),
     ("270419", WeakRule.NONE), ("135790", WeakRule.NONE), ("890123", WeakRule.NONE)],
)
def test_weak_reasons(pin: str, reason: WeakRule) -> None:
    assert weak_reason(pin, ALL_RULES, BIRTH) == reason


def test_rules_can_be_switched_off() -> None:
    assert weak_reason("111111", WeakRule.ASCENDING, BIRTH) == WeakRule.NONE
    assert weak_reason("900307", ALL_RULES & ~WeakRule.BIRTH_DATE, BIRTH) == WeakRule.NONE
    assert weak_reason("900307", ALL_RULES, None) == WeakRule.NONE


def test_birth_date_forms_by_length() -> None:
    assert birth_date_forms(BIRTH, 6) == {"900307", "030790", "070390"}
    with pytest.raises(ValueError):
        birth_date_forms("19901307", 6)
