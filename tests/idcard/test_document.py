"""The four text-block layouts, the validation rules one by one, and masking of personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.idcard import (
    LAYOUTS,
    CardType,
    DocumentInvalid,
    Sex,
    TextBlockError,
    ValidationRule,
    encode_text_block,
    id_check_digit,
    make_id_number,
    parse_text_block,
)
from drivers.sim.idcard_emulator import SAMPLE_FIELDS

TODAY = dt.date(2024, 6, 1)
R = ValidationRule


def doc(card_type: CardType = CardType.RESIDENT, **fields: str):
    return parse_text_block(encode_text_block(card_type, **(SAMPLE_FIELDS[card_type] | fields)))


def rules(document, today: dt.date = TODAY) -> list[ValidationRule]:
    return [issue.rule for issue in document.validation_issues(today)]


def test_check_digit_of_the_standard_example() -> None:
    assert id_check_digit("11010519491231002") == "X"  # GB 11643 worked example
    assert make_id_number("440524", "18800101", "001")[-1] == id_check_digit("44052418800101001")
    with pytest.raises(ValueError):
        id_check_digit("1234")


def test_resident_card_fields() -> None:
    d = doc(CardType.RESIDENT, valid_to="长期")
    assert (d.card_type, d.name, d.sex, d.nation, d.nation_name) == (CardType.RESIDENT, "张三", Sex.MALE, "01", "汉")
    assert d.birth_date == dt.date(1990, 3, 7) and d.valid_from == dt.date(2020, 1, 1)
    assert d.valid_to is None and d.no_expiry
    assert d.authority == "北京市公安局东城分局" and d.address == "北京市东城区正义路1号"
    assert d.english_name is None and d.nationality is None
    d.validate(TODAY)


def test_hmt_permit_fields() -> None:
    d = doc(CardType.HMT_RESIDENCE_PERMIT)
    assert (d.card_type, d.name, d.number[:6]) == (CardType.HMT_RESIDENCE_PERMIT, "陈大文", "810000")
    assert (d.extra("pass_number"), d.extra("issue_count"), d.nation) == ("H12345678", "01", None)
    d.validate(dt.date(2024, 1, 1))


def test_foreigner_2017_fields() -> None:
    d = doc(CardType.FOREIGNER_PERMANENT)
    assert (d.english_name, d.name, d.nationality, d.number) == ("SMITH, JOHN", "史密斯", "USA", "USA110090030711")
    assert (d.extra("card_version"), d.extra("authority_code"), d.birth_date) == ("01", "1500", dt.date(1990, 3, 7))
    d.validate(TODAY)


def test_foreigner_2023_joins_the_english_name_continuation() -> None:
    long_name = "WHITE, ELIZABETH ALEXANDRA MARY ANNE"  # 36 characters: one spills into bytes 220+
    d = doc(CardType.FOREIGNER_PERMANENT_2023, english_name=long_name)
    assert (d.english_name, d.name, d.nationality, d.sex) == (long_name, "怀特", "GBR", Sex.FEMALE)
    assert d.extra("renewal_count") == "00"
    d.validate(TODAY)


@pytest.mark.parametrize("card_type", list(CardType))
def test_flag_selects_the_layout(card_type: CardType) -> None:
    block = encode_text_block(card_type, **SAMPLE_FIELDS[card_type])
    assert len(block) == 256 and block[248:250] == card_type.value.encode("utf-16-le")
    assert parse_text_block(block).card_type is card_type


def test_bad_blocks_raise_text_block_error() -> None:
    good = encode_text_block(CardType.RESIDENT, **SAMPLE_FIELDS[CardType.RESIDENT])
    for bad in (good[:255], good[:248] + "Q".encode("utf-16-le") + good[250:], b"\x00\xd8" + good[2:]):
        with pytest.raises(TextBlockError):
            parse_text_block(bad)


def test_encoder_refuses_what_does_not_fit() -> None:
    with pytest.raises(ValueError):
        encode_text_block(CardType.RESIDENT, name="x" * 16)
    with pytest.raises(ValueError):
        encode_text_block(CardType.RESIDENT, pass_number="H1")
    with pytest.raises(ValueError):
        encode_text_block(CardType.RESIDENT, name="😀")


@pytest.mark.parametrize(
    ("card_type", "fields", "rule"),
    [
        (CardType.RESIDENT, {"number": "110101199003071234"}, R.CHECK_DIGIT),
        (CardType.RESIDENT, {"number": "11010119900307123"}, R.NUMBER_FORMAT),
        (CardType.RESIDENT, {"number": ""}, R.MISSING_FIELD),
        (CardType.RESIDENT, {"name": ""}, R.MISSING_FIELD),
        (CardType.RESIDENT, {"birth_date": "19900308"}, R.BIRTH_DATE_MISMATCH),
        (CardType.RESIDENT, {"sex": "2"}, R.SEX_MISMATCH),
        (CardType.RESIDENT, {"sex": "5"}, R.FIELD_CODE),
        (CardType.RESIDENT, {"nation": "77"}, R.FIELD_CODE),
        (CardType.RESIDENT, {"valid_from": "20200230"}, R.INVALID_DATE),
        (CardType.RESIDENT, {"valid_to": "2040XX01"}, R.INVALID_DATE),
        (CardType.RESIDENT, {"valid_to": "20190101"}, R.DATE_ORDER),
        (CardType.RESIDENT, {"valid_from": "19800101"}, R.DATE_ORDER),
        (CardType.RESIDENT, {"valid_to": "20240531"}, R.EXPIRED),
        (CardType.RESIDENT, {"valid_from": "20240602"}, R.NOT_YET_VALID),
        (CardType.HMT_RESIDENCE_PERMIT, {"valid_to": "20240101"}, R.EXPIRED),
        (CardType.FOREIGNER_PERMANENT, {"number": "usa11009003071"}, R.NUMBER_FORMAT),
        (CardType.FOREIGNER_PERMANENT, {"nationality": "U1"}, R.FIELD_CODE),
        (CardType.FOREIGNER_PERMANENT, {"english_name": ""}, R.MISSING_FIELD),
        (CardType.FOREIGNER_PERMANENT_2023, {"birth_date": "19900230"}, R.INVALID_DATE),
        (CardType.FOREIGNER_PERMANENT_2023, {"number": make_id_number("911502", "19900307", "024")[:-1] + "X"},
         R.CHECK_DIGIT),
    ],
)
def test_each_rule_is_named_when_broken(card_type: CardType, fields: dict[str, str], rule: ValidationRule) -> None:
    d = doc(card_type, **fields)
    assert rule in rules(d)
    with pytest.raises(DocumentInvalid) as info:
        d.validate(TODAY)
    assert rule in [issue.rule for issue in info.value.issues]


def test_birth_date_that_is_not_real_is_invalid_even_when_it_matches_the_number() -> None:
    number = make_id_number("110101", "19900230", "123")
    d = doc(CardType.RESIDENT, number=number, birth_date="19900230")
    assert rules(d) == [R.INVALID_DATE]
    with pytest.raises(DocumentInvalid) as info:
        d.validate(TODAY)
    assert info.value.rule is R.INVALID_DATE


def test_last_valid_day_is_still_valid() -> None:
    assert rules(doc(valid_to="20240601")) == []


def test_repr_and_errors_mask_personal_data() -> None:
    d = doc(CardType.RESIDENT, number=make_id_number("110101", "19900307", "123"))
    d = d.with_extras(photo=b"\x01" * 1024, fingerprint=b"\x02" * 1024, appended_address="上海市浦东新区")
    text = repr(d) + str(d)
    for secret in ("张三", d.number, "正义路", "上海", "1990", "\\x01", "\\x02"):
        assert secret not in text
    assert "110***********1233" in text and "张*" in text
    broken = doc(CardType.RESIDENT, birth_date="19900308")
    with pytest.raises(DocumentInvalid) as info:
        broken.validate(TODAY)
    assert "19900308" not in str(info.value) and broken.number not in str(info.value)


_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFFFD, exclude_categories=("Cs",)))


@st.composite
def layout_values(draw: st.DrawFn) -> tuple[CardType, dict[str, str]]:
    card_type = draw(st.sampled_from(list(CardType)))
    values = {}
    for spec in LAYOUTS[card_type]:
        if spec.name == "english_name_more":
            continue
        chars = spec.chars + (11 if spec.name == "english_name" and card_type.value == "Y" else 0)
        values[spec.name] = draw(_TEXT.filter(lambda s: " " not in s).map(lambda s, n=chars: s[:n]))
    return card_type, values


@given(layout_values())
def test_text_block_round_trip(case: tuple[CardType, dict[str, str]]) -> None:
    card_type, values = case
    d = parse_text_block(encode_text_block(card_type, **values))
    assert d.card_type is card_type
    expected = {k: v.strip("\x00") for k, v in values.items()}
    assert {k: d.raw[k] for k in values} == expected


@given(st.binary(min_size=256, max_size=256))
def test_random_blocks_parse_or_raise_text_block_error(block: bytes) -> None:
    try:
        d = parse_text_block(block)
    except TextBlockError:
        return
    d.validation_issues(TODAY)
    repr(d)
