"""Server-side checks of the phone forms: each returns the contract's value or records a text key per field.

Why one module: the booking pages and the walk-in form validate the same fields the same way; the rules about
a person (ID check character, age, occupation list) come from central_api_client.people, shared with the kiosk.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from central_api_client.people import (
    ADULT_AGE,
    OCCUPATIONS,
    IdNumberProblem,
    age_on,
    resident_id_birth_date,
    resident_id_gender,
)
from central_api_client.risk import QUESTIONNAIRE_ID, QUESTIONS
from central_service.web import Form

MIN_AGE = 16  # younger customers open at the counter with a guardian
ID_TYPES = ("resident_id", "hk_macao_permit", "taiwan_permit", "foreign_permanent_resident")
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
NAME = re.compile(r"^[\u3400-\u9fffA-Za-z][\u3400-\u9fffA-Za-z·• .'-]{0,62}[\u3400-\u9fffA-Za-z.]$")
SERVICES = ("debit_card", "mobile_banking", "online_banking", "risk_assessment", "credit_card", "wechat_binding",
            "follow_official_account")
TAX_STATUSES = ("china_only", "other_only", "china_and_other")
TAX_COUNTRIES = ("HK", "MO", "TW", "US", "GB", "CA", "AU", "NZ", "SG", "JP", "KR", "DE", "FR", "MY", "TH")
NO_TIN_REASONS = ("not_issued", "not_obtained", "other")
JURISDICTION_ROWS = 2
_DATE = re.compile(r"^(\d{4})[-./]?(\d{2})[-./]?(\d{2})$")


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD (also with . or / or nothing between) as a date, or None."""
    found = _DATE.match(text)
    if not found:
        return None
    try:
        return date(*(int(x) for x in found.groups()))
    except ValueError:
        return None


def contact(form: Form) -> dict[str, Any]:
    """Mobile, address, occupation, employer (the walk-in form asks only these)."""
    values: dict[str, Any] = {}
    phone = form.value("phone").replace(" ", "")
    if not MOBILE.match(phone):
        form.fail("phone", "details.phone_format")
    values["phone"] = phone
    address = form.value("address")
    if not address:
        form.fail("address", "details.address_missing")
    elif not 5 <= len(address) <= 200:
        form.fail("address", "details.address_length")
    values["address"] = address
    if form.value("occupation") not in OCCUPATIONS:
        form.fail("occupation", "details.occupation_missing")
    values["occupation"] = form.value("occupation")
    employer = form.value("employer")
    if len(employer) > 100:
        form.fail("employer", "details.employer_length")
    if employer:
        values["employer"] = employer
    return values


def person(form: Form, today: date, visit_day: date) -> dict[str, Any]:
    """The customer as the contract carries it; errors recorded on `form` (check `form.ok`)."""
    customer: dict[str, Any] = {}
    name = form.value("name")
    if not name:
        form.fail("name", "details.name_missing")
    elif not NAME.match(name):
        form.fail("name", "details.name_format")
    customer["name"] = name
    id_type = form.value("id_type")
    if id_type not in ID_TYPES:
        form.fail("id_type", "details.id_type_missing")
    customer["id_type"] = id_type
    number = form.value("id_number").upper().replace(" ", "")
    customer["id_number"] = number
    born = _birth_date(form, number, today)
    if born is not None:
        customer["date_of_birth"] = born.isoformat()
        customer["gender"] = resident_id_gender(number)
    expiry = _validity(form, born, today, visit_day)
    if expiry is not None:
        customer["id_expiry"] = expiry.isoformat()
    customer.update(contact(form))
    return customer


def _birth_date(form: Form, number: str, today: date) -> date | None:
    if not number:
        form.fail("id_number", "details.id_missing")
        return None
    try:
        born = resident_id_birth_date(number)
    except IdNumberProblem as problem:
        form.fail("id_number", f"details.id_{problem.code}")
        return None
    if born > today:
        form.fail("id_number", "details.id_birth_date")
        return None
    if age_on(born, today) < MIN_AGE:
        form.fail("id_number", "details.too_young")
    return born


def _validity(form: Form, born: date | None, today: date, visit_day: date) -> date | None:
    """The ID's expiry (None for a long-term card); errors on the two date fields."""
    valid_from = parse_date(form.value("id_valid_from"))
    if valid_from is None:
        form.fail("id_valid_from", "details.date_format")
    elif valid_from > today:
        form.fail("id_valid_from", "details.valid_from_future")
    elif born is not None and valid_from < born:
        form.fail("id_valid_from", "details.valid_from_before_birth")
    if form.value("id_long_term") == "yes" and not form.value("id_valid_to"):
        return None
    valid_to = parse_date(form.value("id_valid_to"))
    if valid_to is None:
        form.fail("id_valid_to", "details.valid_to_missing")
    elif valid_to < today:
        form.fail("id_valid_to", "details.id_expired")
    elif valid_to < visit_day:
        form.fail("id_valid_to", "details.id_expires_before_visit")
    elif valid_from is not None and valid_to <= valid_from:
        form.fail("id_valid_to", "details.valid_order")
    return valid_to


def is_adult(customer: dict[str, Any], today: date) -> bool:
    born = customer.get("date_of_birth")
    return born is not None and age_on(date.fromisoformat(born), today) >= ADULT_AGE


def services(form: Form, *, adult: bool) -> dict[str, bool]:
    """The bundle asked for; the debit card is always in it; the credit card only for adults."""
    chosen = set(form.chosen("services"))
    unknown = chosen - set(SERVICES)
    if unknown:
        form.fail("services", "services.unknown")
    if "credit_card" in chosen and not adult:
        form.fail("services", "services.credit_card_adults")
    return {name: name == "debit_card" or name in chosen for name in SERVICES}


def tax_residency(form: Form, now: datetime) -> dict[str, Any]:
    """The CRS declaration: status, and for another residence each jurisdiction with its TIN or the reason."""
    status = form.value("status")
    if status not in TAX_STATUSES:
        form.fail("status", "tax.status_missing")
        return {}
    declaration: dict[str, Any] = {"status": status, "declared_at": now.astimezone(UTC).isoformat()}
    if status == "china_only":
        return declaration
    jurisdictions = []
    for row in range(1, JURISDICTION_ROWS + 1):
        country, tin = form.value(f"country_{row}"), form.value(f"tin_{row}").upper()
        reason = form.value(f"no_tin_reason_{row}")
        if not country and not tin and not reason:
            continue
        if country not in TAX_COUNTRIES:
            form.fail(f"country_{row}", "tax.country_missing")
        if tin and not re.fullmatch(r"[A-Z0-9-]{3,40}", tin):
            form.fail(f"tin_{row}", "tax.tin_format")
        if not tin and reason not in NO_TIN_REASONS:
            form.fail(f"no_tin_reason_{row}", "tax.tin_or_reason")
        entry: dict[str, Any] = {"country": country}
        if tin:
            entry["tin"] = tin
        else:
            entry["no_tin_reason"] = reason
        jurisdictions.append(entry)
    if not jurisdictions:
        form.fail("country_1", "tax.country_missing")
    declaration["jurisdictions"] = jurisdictions
    return declaration


def risk_answers(form: Form, now: datetime) -> dict[str, Any]:
    """The questionnaire as the contract carries it (ids and letters); every question must be answered."""
    answers = []
    for question, choices in QUESTIONS.items():
        answer = form.value(question)
        if answer not in choices:
            form.fail(question, "risk.unanswered")
        answers.append({"question_id": question, "answer": answer})
    return {"questionnaire_id": QUESTIONNAIRE_ID, "answers": answers,
            "answered_at": now.astimezone(UTC).isoformat()}
