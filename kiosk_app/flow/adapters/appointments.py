"""Appointments for the journey: the local copy first, then a targeted fetch by token (booked seconds ago).

The contract's appointment (openapi.yaml `Appointment`) is translated here into the flow's `Appointment`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk_app.flow.model import Appointment, Path, TokenRef
from kiosk_app.flow.ports import PortError
from kiosk_app.store.appointments import find_appointment
from sync_agent.localdb import LocalDb

KIND = {"individual": Path.APPOINTMENT, "walk_in": Path.WALK_IN, "payroll": Path.PAYROLL}
SERVICE_NAMES = {
    "mobile_banking": "mobile_banking", "online_banking": "online_banking", "credit_card": "credit_card",
    "wechat_binding": "wechat_pay", "follow_official_account": "official_account",
}


def from_contract(doc: dict[str, Any]) -> Appointment:
    """Contract JSON -> flow Appointment. Raises PortError('appointment_not_found') if it is unusable."""
    try:
        services = doc.get("services") or {}
        risk = doc.get("risk_questionnaire") or {}
        payroll = doc.get("payroll")
        return Appointment(
            id=doc["id"], branch_id=doc["branch_id"], kind=KIND[doc["kind"]], status=doc["status"],
            customer=dict(doc.get("customer") or {}),
            tax_residency=dict(doc.get("tax_residency") or {}),
            risk_answers={a["question_id"]: a["answer"] for a in risk.get("answers", [])},
            services=[ours for theirs, ours in SERVICE_NAMES.items() if services.get(theirs)],
            employer={"name": payroll["employer_name"], "batch_id": payroll["batch_id"]} if payroll else None,
        )
    except (KeyError, TypeError) as exc:
        raise PortError("appointment_not_found", f"unusable appointment record: {exc}") from exc


class LocalAppointments:
    """Reads the synced table; `fetch(token_text_or_ref)` is the sync agent's targeted fetch, when online."""

    def __init__(self, db: LocalDb, fetch: Callable[[TokenRef], dict[str, Any] | None] | None = None) -> None:
        self.db = db
        self.fetch = fetch

    def find(self, ref: TokenRef) -> Appointment:
        stored = find_appointment(self.db, ref.appointment_id, ref.branch_id)
        if stored is not None:
            if stored.status == "cancelled":
                return Appointment(ref.appointment_id, ref.branch_id, ref.kind, "cancelled", {}, {}, {}, [])
            if stored.status == "redeemed":  # used at another kiosk of the branch
                raise PortError("token_already_used", ref.appointment_id)
            return from_contract(stored.doc)
        doc = self.fetch(ref) if self.fetch is not None else None
        if doc is None:
            raise PortError("appointment_not_found", ref.appointment_id)
        return from_contract(doc)
