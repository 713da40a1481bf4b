"""The employee form's rules as a parser: whatever a phone sends, the answer is an Employee or a PayrollError
naming a field of the form — never another exception."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from central_service.payroll.errors import PayrollError
from central_service.payroll.people import employee_from_form

FIELDS = ("name", "id_number", "id_expiry", "id_long_term", "mobile", "employee_number")
TEXT = st.one_of(st.text(max_size=40), st.from_regex(r"[0-9X]{17,19}", fullmatch=True),
                 st.from_regex(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}", fullmatch=True))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), TEXT))
def test_any_form_gives_an_employee_or_a_refusal_naming_its_field(form: dict[str, str]) -> None:
    try:
        employee = employee_from_form(form, date(2026, 12, 1))
    except PayrollError as exc:
        assert exc.field in FIELDS
    else:
        assert employee.age_on(date(2026, 12, 1)) >= 16 and len(employee.mobile) == 11
