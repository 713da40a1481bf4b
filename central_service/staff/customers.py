"""Finding a customer at the counter and what the teller sees of them: masked by default, full numbers only for
a role that may see them (the page audits every full view).

The customer's data is the appointment document: what the phone pages (issue 15) collect reaches the service as
that document (same id), so personal data, tax declaration and risk pre-assessment are read from it, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from central_api_client.redaction import mask_id_number, mask_mobile, mask_name
from central_api_client.risk import RiskAnswerError, score
from central_service.store import Store

PHONE = re.compile(r"^1[0-9]{10}$")
ID_PATTERN = re.compile(r"^[0-9X*]{4,18}$")
APPOINTMENT = re.compile(r"^[aA][pP][tT]_[0-9A-Za-z]{6,32}$")
MAX_MATCHES = 20


class QueryNotUnderstood(ValueError):
    """Not an appointment code, a mobile number or an ID number (whole, masked, or its last digits)."""


@dataclass(frozen=True)
class Match:
    appointment_id: str
    name: str  # masked
    id_number: str  # masked
    phone: str  # masked
    scheduled_for: str | None
    status: str


def find(store: Store, branch_id: str, query: str) -> list[Match]:
    """The branch's appointments that match `query`. Raises QueryNotUnderstood."""
    raw = re.sub(r"[\s-]", "", query)
    q = raw.upper()
    if APPOINTMENT.match(raw):  # ids are case-sensitive after the prefix
        doc = store.get_appointment("apt_" + raw[4:])
        return [_match(doc)] if doc and doc["branch_id"] == branch_id else []
    wanted = _predicate(q)
    found = [d for d in store.appointments(branch_id, include_cancelled=True) if wanted(d.get("customer", {}))]
    return [_match(d) for d in found[:MAX_MATCHES]]


def _predicate(q: str) -> Callable[[dict[str, Any]], bool]:
    """Which customers a normalised query names. Raises QueryNotUnderstood."""
    if PHONE.match(q):
        return lambda c: c.get("phone") == q
    if not (ID_PATTERN.match(q) and any(ch.isdigit() for ch in q)):
        raise QueryNotUnderstood(q)
    if "*" in q:  # a masked number as printed on a slip: the part before the stars and the part after
        head, tail = q.split("*", 1)[0], q.rsplit("*", 1)[-1]
        return lambda c: str(c.get("id_number", "")).upper().startswith(head) and \
            str(c.get("id_number", "")).upper().endswith(tail)
    return lambda c: str(c.get("id_number", "")).upper().endswith(q)


def _match(doc: dict[str, Any]) -> Match:
    c = doc.get("customer", {})
    return Match(doc["id"], mask_name(c.get("name", "")), mask_id_number(c.get("id_number", "0000000")),
                 mask_mobile(c["phone"]) if c.get("phone") else "", doc.get("scheduled_for"), doc["status"])


def customer_record(doc: dict[str, Any], *, full: bool) -> dict[str, Any]:
    """What the customer page shows: personal data (masked unless `full`), tax declaration, risk pre-assessment."""
    c = doc.get("customer", {})

    def show(value: str, mask: Callable[[str], str]) -> str:
        return value if full or not value else mask(value)

    person = {
        "name": show(c.get("name", ""), mask_name), "id_type": c.get("id_type"),
        "id_number": show(c.get("id_number", ""), mask_id_number), "date_of_birth": c.get("date_of_birth"),
        "phone": show(c.get("phone", ""), mask_mobile), "address": c.get("address") if full else _mask_address(c),
        "occupation": c.get("occupation"), "employer": c.get("employer"),
    }
    tax = doc.get("tax_residency") or {}
    jurisdictions = [{"country": j["country"], "tin": j.get("tin") if full else ("***" if j.get("tin") else None),
                      "no_tin_reason": j.get("no_tin_reason")} for j in tax.get("jurisdictions") or []]
    return {"appointment_id": doc["id"], "kind": doc["kind"], "status": doc["status"],
            "scheduled_for": doc.get("scheduled_for"), "person": person,
            "tax": {"status": tax.get("status"), "jurisdictions": jurisdictions, "declared_at": tax.get("declared_at")},
            "risk": _risk(doc.get("risk_questionnaire")), "services": doc.get("services", {}), "full": full}


def _mask_address(customer: dict[str, Any]) -> str:
    address = customer.get("address") or ""
    return address[:6] + "…" if len(address) > 6 else address


def _risk(questionnaire: dict[str, Any] | None) -> dict[str, Any] | None:
    """The pre-assessment's score and level, by the bank's one questionnaire (central_api_client.risk)."""
    if not questionnaire:
        return None
    answers = {a["question_id"]: a["answer"] for a in questionnaire.get("answers", [])}
    try:
        total, level = score(answers)
    except RiskAnswerError:
        return {"answered_at": questionnaire.get("answered_at"), "score": None, "level": None}
    return {"answered_at": questionnaire.get("answered_at"), "score": total, "level": level}
