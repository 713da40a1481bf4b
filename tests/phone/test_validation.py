"""The phone forms' server-side checks: every bad value gets its own field message key; the parsers never crash
on arbitrary input (hypothesis)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from central_api_client.people import IdNumberProblem, id_check_char, resident_id_birth_date
from central_service.ids import make_id_number
from central_service.phone import validation as v
from central_service.web import Form

TODAY = date(2030, 6, 1)
VISIT = date(2030, 6, 3)
NOW = datetime(2030, 6, 1, 8, tzinfo=UTC)
ADULT = make_id_number("110105", date(1990, 3, 7), random.Random(1), male=True)
MINOR = make_id_number("110105", date(2013, 3, 7), random.Random(2), male=False)  # 17 at TODAY
CHILD = make_id_number("110105", date(2016, 3, 7), random.Random(3), male=False)  # 14


def form(**values: str) -> Form:
    base = {"name": "王小明", "id_type": "resident_id", "id_number": ADULT, "id_valid_from": "2020-01-01",
            "id_valid_to": "2040-01-01", "phone": "13912345678", "address": "北京市朝阳区建国路88号",
            "occupation": "20000"}
    return Form.from_pairs({**base, **values}.items())


def errors(**values: str) -> dict[str, str]:
    f = form(**values)
    v.person(f, TODAY, VISIT)
    return f.errors


def test_a_good_person_passes_with_birth_date_gender_and_expiry_from_the_form() -> None:
    f = form()
    customer = v.person(f, TODAY, VISIT)
    assert f.ok, f.errors
    assert customer["date_of_birth"] == "1990-03-07" and customer["gender"] == "male"
    assert customer["id_expiry"] == "2040-01-01"
    long_term = form(id_valid_to="", id_long_term="yes")
    assert "id_expiry" not in v.person(long_term, TODAY, VISIT) and long_term.ok


def test_each_bad_field_gets_its_own_message() -> None:
    wrong_check = ADULT[:17] + ("0" if ADULT[17] != "0" else "1")
    assert errors(id_number=wrong_check) == {"id_number": "details.id_check_digit"}
    assert errors(id_number="12345") == {"id_number": "details.id_format"}
    bad_date = "11010519900230" + "123"
    assert errors(id_number=bad_date + id_check_char(bad_date)) == {"id_number": "details.id_birth_date"}
    assert errors(id_number=CHILD) == {"id_number": "details.too_young"}
    assert errors(name="") == {"name": "details.name_missing"}
    assert errors(name="x<script>") == {"name": "details.name_format"}
    assert errors(id_valid_from="2031-01-01") == {"id_valid_from": "details.valid_from_future"}
    assert errors(id_valid_from="31/01/2020") == {"id_valid_from": "details.date_format"}
    assert errors(id_valid_to="2030-05-31") == {"id_valid_to": "details.id_expired"}
    assert errors(id_valid_to="2030-06-02") == {"id_valid_to": "details.id_expires_before_visit"}
    assert errors(id_valid_to="") == {"id_valid_to": "details.valid_to_missing"}
    assert errors(phone="23912345678") == {"phone": "details.phone_format"}
    assert errors(address="北京") == {"address": "details.address_length"}
    assert errors(occupation="99999") == {"occupation": "details.occupation_missing"}
    assert errors(employer="x" * 101) == {"employer": "details.employer_length"}


def test_credit_card_only_for_adults() -> None:
    minor = v.person(form(id_number=MINOR), TODAY, VISIT)
    assert not v.is_adult(minor, VISIT) and v.is_adult(v.person(form(), TODAY, VISIT), VISIT)
    f = Form.from_pairs([("services", "credit_card")])
    v.services(f, adult=False)
    assert f.errors == {"services": "services.credit_card_adults"}
    f = Form.from_pairs([("services", "credit_card"), ("services", "mobile_banking")])
    assert v.services(f, adult=True) == {"debit_card": True, "mobile_banking": True, "online_banking": False,
                                         "risk_assessment": False, "credit_card": True, "wechat_binding": False,
                                         "follow_official_account": False}


def test_tax_declaration_needs_a_jurisdiction_and_a_tin_or_its_reason() -> None:
    f = Form.from_pairs([("status", "china_and_other")])
    v.tax_residency(f, NOW)
    assert f.errors == {"country_1": "tax.country_missing"}
    f = Form.from_pairs([("status", "other_only"), ("country_1", "US")])
    v.tax_residency(f, NOW)
    assert f.errors == {"no_tin_reason_1": "tax.tin_or_reason"}
    f = Form.from_pairs([("status", "other_only"), ("country_1", "US"), ("tin_1", "123-45-6789"),
                         ("country_2", "SG"), ("no_tin_reason_2", "not_issued")])
    declared = v.tax_residency(f, NOW)
    assert f.ok and declared["jurisdictions"] == [{"country": "US", "tin": "123-45-6789"},
                                                  {"country": "SG", "no_tin_reason": "not_issued"}]
    f = Form.from_pairs([("status", "other_only"), ("country_1", "CN"), ("tin_1", "x")])
    v.tax_residency(f, NOW)
    assert f.errors == {"country_1": "tax.country_missing", "tin_1": "tax.tin_format"}


def test_every_risk_question_must_be_answered_with_one_of_its_letters() -> None:
    f = Form.from_pairs([("q1", "A"), ("q2", "Z")])
    v.risk_answers(f, NOW)
    assert f.errors == {f"q{n}": "risk.unanswered" for n in range(2, 7)}


@given(st.text(max_size=30))
def test_parse_date_never_crashes(text: str) -> None:
    parsed = v.parse_date(text)
    assert parsed is None or isinstance(parsed, date)


@given(st.text(alphabet="0123456789X", min_size=0, max_size=20))
def test_id_numbers_are_accepted_only_with_a_real_date_and_check_character(number: str) -> None:
    try:
        born = resident_id_birth_date(number)
    except IdNumberProblem as problem:
        assert problem.code in ("format", "check_digit", "birth_date")
    else:
        assert len(number) == 18 and id_check_char(number[:17]) == number[17]
        assert born.strftime("%Y%m%d") == number[6:14]


@given(st.dictionaries(st.sampled_from(["name", "id_number", "id_valid_from", "id_valid_to", "phone", "address",
                                        "occupation", "employer", "id_type", "id_long_term"]), st.text(max_size=40)))
def test_person_form_never_crashes(values: dict[str, str]) -> None:
    f = Form.from_pairs(values.items())
    v.person(f, TODAY, VISIT)
    assert all(key.startswith("details.") for key in f.errors.values())
