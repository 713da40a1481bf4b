"""Appointments for the journey: the local copy first, then a targeted fetch by token (booked seconds ago).

The contract's appointment (openapi.yaml `Appointment`) is translated here into the flow's `Appointment`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk_app.flow.model import Appointment, Path, TokenRef
from kiosk_app.flow.ports import PortError
from kiosk_app.store.appointments import StoredAppointment, find_appointment, find_payroll_appointment
from sync_agent import fetch as sync_fetch
from sync_agent import remote
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


# A payroll pickup refused by the service: its problem slug -> the kiosk's error key.
PAYROLL_REFUSALS = {"payroll-entry-not-found": "payroll_entry_not_found",
                    "payroll-entry-returned": "payroll_entry_returned", "payroll-not-ready": "payroll_not_ready"}


class LocalAppointments:
    """Reads the synced table; `fetch(token_text_or_ref)` is the sync agent's targeted fetch, when online;
    `fetch_payroll(ref, id_number)` the same for a payroll batch QR and the employee's ID number."""

    def __init__(self, db: LocalDb, fetch: Callable[[TokenRef], dict[str, Any] | None] | None = None,
                 fetch_payroll: Callable[[TokenRef, str], dict[str, Any] | None] | None = None) -> None:
        self.db = db
        self.fetch = fetch
        self.fetch_payroll = fetch_payroll

    def find(self, ref: TokenRef) -> Appointment:
        stored = find_appointment(self.db, ref.appointment_id, ref.branch_id)
        if stored is not None:
            return _usable(stored, ref)
        doc = self.fetch(ref) if self.fetch is not None else None
        if doc is None:
            raise PortError("appointment_not_found", ref.appointment_id)
        return from_contract(doc)

    def find_payroll(self, ref: TokenRef, id_number: str) -> Appointment:
        """The pickup appointment of this employee of the batch the QR names: the local copy, else the service.

        Raises PortError payroll_entry_not_found / payroll_entry_returned / payroll_not_ready, token_already_used
        (collected already), central_unavailable.
        """
        stored = find_payroll_appointment(self.db, ref.branch_id, ref.appointment_id, id_number)
        if stored is not None and stored.status == "booked":
            return _usable(stored, ref)
        doc = self.fetch_payroll(ref, id_number) if self.fetch_payroll is not None else None
        if doc is None:
            if stored is not None:
                return _usable(stored, ref)
            raise PortError("payroll_entry_not_found", ref.appointment_id)
        return _usable(StoredAppointment(doc, doc.get("status", "booked")), ref)


def _usable(stored: StoredAppointment, ref: TokenRef) -> Appointment:
    if stored.status == "cancelled":
        return Appointment(stored.doc.get("id", ref.appointment_id), ref.branch_id, ref.kind, "cancelled", {}, {}, {},
                           [])
    if stored.status == "redeemed":  # used at another kiosk of the branch
        raise PortError("token_already_used", ref.appointment_id)
    return from_contract(stored.doc)


def fetch_payroll_entry(db: LocalDb, lookup: sync_fetch.TokenLookup, branch_id: str, ref: TokenRef,
                        id_number: str) -> dict[str, Any]:
    """Ask the service for the employee's pickup appointment and store it like a feed row.

    Raises PortError with the kiosk's key for each refusal, or central_unavailable when offline.
    """
    try:
        return sync_fetch.fetch_by_token(db, lookup, branch_id, ref.text, id_number)
    except remote.Offline as exc:
        raise PortError("central_unavailable", str(exc)) from exc
    except remote.RemoteError as exc:
        raise PortError(PAYROLL_REFUSALS.get(exc.slug or "", "payroll_entry_not_found"), str(exc)) from exc
