"""An employee's personal data as the batch takes it, and the rules it must meet before it joins a batch.

Why these rules: they are the booking form's, read from the one shared definition (`central_api_client.people`:
the resident ID number's format, check character and birth date; age), plus the kiosk's rules for an account
opened alone (16 or older, an ID card valid today); each failure names its field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from central_api_client.people import IdNumberProblem, age_on, resident_id_birth_date
from central_api_client.redaction import mask_id_number, mask_mobile, mask_name
from central_service.payroll.errors import IdExpired, InvalidField, InvalidIdNumber, UnderAge

MIN_AGE = 16
NAME_RE = re.compile(r"^[\u3400-\u9fffA-Za-z·.\- ]{1,40}$")
MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
EMPLOYEE_NUMBER_RE = re.compile(r"^[0-9A-Za-z-]{0,20}$")


@dataclass(frozen=True)
class Employee:
    """What one entry holds about its employee; birth date and sex come from the ID number."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    id_expiry: date | None = field(repr=False)  # None: long-term card (长期)
    mobile: str = field(repr=False)
    employee_number: str = ""

    @property
    def date_of_birth(self) -> date:
        return resident_id_birth_date(self.id_number)

    @property
    def sex(self) -> str:
        return "M" if int(self.id_number[16]) % 2 else "F"

    def age_on(self, today: date) -> int:
        return age_on(self.date_of_birth, today)

    def masked(self) -> dict[str, str]:
        """What lists and logs may show."""
        return {"name": mask_name(self.name), "id_number": mask_id_number(self.id_number),
                "mobile": mask_mobile(self.mobile)}

    def to_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["id_expiry"] = self.id_expiry.isoformat() if self.id_expiry else None
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Employee:
        expiry = doc.get("id_expiry")
        return cls(doc["name"], doc["id_number"], date.fromisoformat(expiry) if expiry else None, doc["mobile"],
                   doc.get("employee_number", ""))


def employee_from_form(form: Mapping[str, str], today: date) -> Employee:
    """Check a submitted form and build the employee.

    Raises InvalidField (name, mobile, id_expiry, employee_number), InvalidIdNumber, UnderAge or IdExpired,
    each naming its field.
    """
    name = " ".join(str(form.get("name", "")).split())
    if not NAME_RE.match(name):
        raise InvalidField("Enter the name as printed on the ID card.", field="name")
    id_number = str(form.get("id_number", "")).strip().upper()
    try:
        resident_id_birth_date(id_number)
    except IdNumberProblem:
        raise InvalidIdNumber(field="id_number") from None
    mobile = str(form.get("mobile", "")).strip()
    if not MOBILE_RE.match(mobile):
        raise InvalidField("Enter an 11-digit mainland mobile number.", field="mobile")
    employee_number = str(form.get("employee_number", "")).strip()
    if not EMPLOYEE_NUMBER_RE.match(employee_number):
        raise InvalidField("An employee number has at most 20 letters, digits or hyphens.", field="employee_number")
    employee = Employee(name, id_number, _expiry(form, today), mobile, employee_number)
    if employee.age_on(today) < MIN_AGE:
        raise UnderAge(field="id_number")
    return employee


def _expiry(form: Mapping[str, str], today: date) -> date | None:
    if str(form.get("id_long_term", "")).lower() in {"1", "on", "true", "yes"}:
        return None
    text = str(form.get("id_expiry", "")).strip()
    try:
        expiry = date.fromisoformat(text)
    except ValueError:
        raise InvalidField("Enter the ID card's expiry date (YYYY-MM-DD) or tick long-term.",
                           field="id_expiry") from None
    if expiry < today:
        raise IdExpired(field="id_expiry")
    return expiry
