"""Evidence over HTTP: recorded with the account-opening call, read back by the bank's staff (admin token).

The read-back is not part of the kiosk contract (a kiosk never reads evidence back): it is the admin face the
teller tools and the journey tests use to see what the customer accepted and signed.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from central_service.admin import CentralAdmin
from central_service.evidence.store import EvidenceError, EvidenceStore, check
from central_service.kiosk_api import Call
from central_service.problems import ApiError, json_response
from central_service.routes_admin import admin_endpoint


def evidence_store(store: Any) -> EvidenceStore:
    """The evidence store over the service's main store's database and clock."""
    return EvidenceStore(store.db, now=store.now)


def check_opening(body: dict[str, Any]) -> None:
    """Before anything is opened: the evidence (if any) must hold together. Raises ApiError 422."""
    if "evidence" in body:
        try:
            check(body["evidence"])
        except EvidenceError as exc:
            raise ApiError(422, "evidence-invalid", str(exc)) from None


def record_opening(call: Call, account: dict[str, Any], body: dict[str, Any]) -> None:
    """Keep the opening's evidence (if the kiosk sent any) with the account, in the opening's transaction
    (checked by `check_opening` first); a kiosk older than the evidence field opens accounts as before."""
    if "evidence" in body:
        evidence_store(call.central.store).record(account["account_id"], call.branch_id, call.kiosk.kiosk_id,
                                                  body["kiosk_session_id"], body["evidence"],
                                                  appointment_id=body.get("appointment_id"))


@admin_endpoint
def read_evidence(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    found = evidence_store(admin.central.store).read(path["account_id"])
    if found is None:
        raise ApiError(404, "not-found", "no evidence for this account")
    return json_response(200, found)


@admin_endpoint
def session_accounts(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    accounts = evidence_store(admin.central.store).accounts_of_session(path["session_id"])
    return json_response(200, {"kiosk_session_id": path["session_id"], "account_ids": accounts})


ROUTES = [
    ("/admin/accounts/{account_id}/evidence", "admin_account_evidence", read_evidence, "GET"),
    ("/admin/kiosk-sessions/{session_id}/accounts", "admin_session_accounts", session_accounts, "GET"),
]
