"""GB 32100-2015 unified social credit codes: every well-formed code with its check character is accepted, and
changing any one character (or dropping the check) is refused — MOD 31 with weights coprime to 31 catches every
single substitution."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from central_service.ids import uscc_check_char, uscc_valid

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIGITS = "0123456789"

body = st.tuples(st.text(CHARS, min_size=2, max_size=2), st.text(DIGITS, min_size=6, max_size=6),
                 st.text(CHARS, min_size=9, max_size=9)).map("".join)


@given(body)
def test_codes_with_their_check_character_are_valid(first17: str) -> None:
    assert uscc_valid(first17 + uscc_check_char(first17))


@given(body, st.integers(0, 17), st.sampled_from(CHARS))
def test_any_single_substitution_is_refused(first17: str, position: int, char: str) -> None:
    code = first17 + uscc_check_char(first17)
    changed = code[:position] + char + code[position + 1 :]
    assert uscc_valid(changed) == (changed == code)


@given(st.text(max_size=20))
def test_arbitrary_text_never_raises(text: str) -> None:
    assert uscc_valid(text) in (True, False)


def test_shape_rules() -> None:
    good = "91350203" + "MA2Y3LX0K"
    code = good + uscc_check_char(good)
    assert uscc_valid(code)
    assert not uscc_valid(code.lower())
    assert not uscc_valid(code[:17])
    assert not uscc_valid("91" + "35O203" + code[8:])  # the region is six digits
    assert not uscc_valid(code[:10] + "I" + code[11:])  # I, O, S, V, Z never occur
