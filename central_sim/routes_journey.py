"""Routes for the real-time calls of the journey and the walk-in form sessions, with the bank's rules.

The rules the reference service enforces (so the kiosk's handling of each answer can be tested): identity
outcomes come from the person's rule (admin) or, by default, from the ID number's check digit; a blocklisted
person is refused an account; Class I needs a lobby manager's on-site check and no other Class I account;
no credit-card application under 18; a redeemed appointment cannot be redeemed again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, Response, g, request

from central_sim.http import ApiError, central, dumps, json_body, json_response, kiosk_post
from central_service.ids import id_number_valid
from central_sim.routes_feed import MAX_WAIT, _int_arg
from central_sim.store import iso, new_id, sha256

WALK_IN_TTL_S = 15 * 60


def _mask_pan(pan: str) -> str:
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def _verification(verification_id: str) -> dict[str, Any]:
    found = central().store.get_record("verification", verification_id, g.kiosk.branch_id)
    if found is None:
        raise ApiError(404, "not-found", "no such identity verification in this branch")
    return found


def _account(account_id: str) -> dict[str, Any]:
    found = central().store.get_record("account", account_id, g.kiosk.branch_id)
    if found is None:
        raise ApiError(404, "not-found", "no such account in this branch")
    return found


def _age(born: str, today: date) -> int:
    birth = date.fromisoformat(born)
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@kiosk_post("IdentityVerificationRequest")
def verify_identity(body: dict[str, Any]) -> tuple[int, Any]:
    store, doc = central().store, body["document"]
    if "appointment_id" in body:
        appointment = store.get_appointment(body["appointment_id"])
        if appointment is None or appointment["branch_id"] != g.kiosk.branch_id:
            raise ApiError(404, "not-found", "no such appointment in this branch")
    rules = store.person(doc["id_number"])
    outcome, reasons = rules["outcome"] or "match", []
    if rules["outcome"] is None and doc["id_type"] == "resident_id" and not id_number_valid(doc["id_number"]):
        outcome, reasons = "no_match", ["document_not_found"]
    elif outcome == "no_match":
        reasons = ["face_mismatch" if "face_image" in body else "document_not_found"]
    elif outcome == "needs_staff":
        reasons = ["face_low_quality" if "face_image" in body else "no_face_image"]
    answer = {"verification_id": new_id("ver"), "outcome": outcome, "blocklisted": rules["blocklisted"],
              "holds_class1_account": rules["holds_class1"], "verified_at": store.now()}
    if reasons:
        answer["reasons"] = reasons
    record = {**answer, "id_number": doc["id_number"], "date_of_birth": doc["date_of_birth"]}
    store.put_record("verification", answer["verification_id"], g.kiosk.branch_id, record)
    return 201, answer


@kiosk_post("OpenAccountRequest")
def open_account(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    verification = _verification(body["verification_id"])
    usable = verification["outcome"] == "match" or (
        verification["outcome"] == "needs_staff" and "staff_approval" in body)
    if not usable:
        raise ApiError(422, "account-refused", "the identity verification does not allow an account")
    person = store.person(verification["id_number"])
    if person["blocklisted"]:
        raise ApiError(422, "account-refused", "refused by the bank's rules; a member of staff will explain")
    if body["account_class"] == "I":
        if "on_site_check" not in body:
            raise ApiError(422, "on-site-check-required", "a Class I account needs a lobby manager's check")
        if person["holds_class1"]:
            raise ApiError(409, "class1-account-exists", "the customer already holds a Class I account here")
    account = {"account_id": new_id("acc"), "account_class": body["account_class"],
               "account_number_masked": "6217" + "*" * 11 + f"{secrets.randbelow(10000):04d}",
               "card_pan_masked": _mask_pan(body["card"]["pan"]), "opened_at": store.now()}
    record = {**account, "verification_id": body["verification_id"]}
    store.put_record("account", account["account_id"], g.kiosk.branch_id, record, ref=sha256(verification["id_number"]))
    return 201, account


@kiosk_post("SetPinRequest")
def set_pin(body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    store = central().store
    _account(account_id)
    answer = {"status": "pin_set", "set_at": store.now()}
    store.put_record("pin", new_id("pin"), g.kiosk.branch_id, {"key_id": body["key_id"], **answer}, ref=account_id)
    return 200, answer


def _activate(service: str, account_id: str) -> tuple[int, Any]:
    store = central().store
    _account(account_id)
    with store.read() as db:
        row = db.execute("SELECT body FROM records WHERE kind = ? AND ref = ?", (service, account_id)).fetchone()
    if row:
        return 200, json.loads(row[0])
    answer = {"service": service, "status": "activated", "activated_at": store.now(),
              "reference": new_id("ref")}
    store.put_record(service, answer["reference"], g.kiosk.branch_id, answer, ref=account_id)
    return 200, answer


@kiosk_post("ActivationRequest")
def mobile_banking(body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    return _activate("mobile_banking", account_id)


@kiosk_post("ActivationRequest")
def online_banking(body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    return _activate("online_banking", account_id)


@kiosk_post("RiskAssessmentRequest")
def risk_assessment(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    _verification(body["verification_id"])
    recorded = store.clock()
    answer = {"assessment_id": new_id("ras"), "level": body["level"], "recorded_at": iso(recorded),
              "valid_until": (recorded.date() + timedelta(days=365)).isoformat()}
    store.put_record("risk", answer["assessment_id"], g.kiosk.branch_id, {**body, **answer})
    return 201, answer


@kiosk_post("CreditCardApplicationRequest")
def credit_card(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    verification = _verification(body["verification_id"])
    _account(body["account_id"])
    if _age(verification["date_of_birth"], store.clock().date()) < 18:
        raise ApiError(422, "credit-card-refused", "no credit-card application under 18")
    answer = {"application_id": new_id("cca"), "status": "received", "received_at": store.now()}
    store.put_record("credit_card", answer["application_id"], g.kiosk.branch_id, {**body, **answer})
    return 201, answer


@kiosk_post("WechatBindingRequest")
def wechat_binding(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    _account(body["account_id"])
    binding_id = new_id("wxb")
    answer = {"binding_id": binding_id, "url": f"https://wx.bank.example/bind/{binding_id}",
              "expires_at": iso(store.clock() + timedelta(minutes=10))}
    store.put_record("wechat", binding_id, g.kiosk.branch_id, answer, ref=body["account_id"])
    return 201, answer


# --- walk-in form sessions -------------------------------------------------------------------------------


@kiosk_post("WalkInSessionRequest")
def create_walk_in(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    session_id, secret = new_id("wis"), secrets.token_urlsafe(24)
    with store.tx() as db:
        db.execute("INSERT INTO walk_ins (id, branch_id, kiosk_id, secret_hash, status, expires_at, document)"
                   " VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
                   (session_id, g.kiosk.branch_id, g.kiosk.kiosk_id, sha256(secret), time.time() + WALK_IN_TTL_S,
                    dumps(body["document"])))
    return 201, _walk_in_view(session_id, secret)


def _walk_in_row(session_id: str) -> tuple[Any, ...] | None:
    with central().store.read() as db:
        return db.execute("SELECT branch_id, status, expires_at, appointment_id, secret_hash, document"
                          " FROM walk_ins WHERE id = ?", (session_id,)).fetchone()


def _walk_in_view(session_id: str, secret: str | None = None) -> dict[str, Any]:
    _, status, expires, appointment_id, *_ = _walk_in_row(session_id)  # type: ignore[misc]
    if status == "waiting" and expires < time.time():
        status = "expired"
    view: dict[str, Any] = {"session_id": session_id, "status": status,
                            "form_url": f"{request.host_url}forms/{session_id}?t={secret or 'hidden'}",
                            "expires_at": iso(datetime.fromtimestamp(expires, UTC))}
    if appointment_id:
        view["appointment"] = central().store.get_appointment(appointment_id)
    return view


def get_walk_in(session_id: str) -> Response:
    """The session; long-polls up to `wait` s while it is still waiting."""
    wait = _int_arg("wait", 0, 0, MAX_WAIT)
    store = central().store
    deadline = time.monotonic() + wait
    while True:
        generation = store.generation()
        row = _walk_in_row(session_id)
        if row is None or row[0] != g.kiosk.branch_id:
            raise ApiError(404, "not-found", "no such walk-in session in this branch")
        left = min(deadline, time.monotonic() + max(0.0, row[2] - time.time())) - time.monotonic()
        if row[1] != "waiting" or left <= 0 or store.closing:
            return json_response(200, _walk_in_view(session_id))
        store.wait_for_change(generation, left)


def submit_walk_in(session_id: str) -> Response:
    """The phone's submission: creates the walk-in appointment the kiosk continues with."""
    store = central().store
    row = _walk_in_row(session_id)
    secret = request.args.get("t", "")
    if row is None or not hmac.compare_digest(row[4], hashlib.sha256(secret.encode()).hexdigest()):
        raise ApiError(401, "form-token-invalid", "unknown form or wrong form secret")
    body = json_body("WalkInSubmission")
    if row[1] != "waiting":
        raise ApiError(409, "form-already-submitted", "this form was submitted before")
    if row[2] < time.time():
        raise ApiError(410, "session-expired", "the form session expired; start again at the kiosk")
    document = json.loads(row[5])
    customer = {k: document[k] for k in ("name", "id_type", "id_number", "date_of_birth", "id_expiry", "gender")
                if k in document}
    customer.update({k: body[k] for k in ("phone", "address", "occupation", "employer", "email") if k in body})
    appointment = {"id": new_id("apt"), "branch_id": row[0], "kind": "walk_in", "status": "booked", "version": 1,
                   "customer": customer, "services": body["services"], "tax_residency": body["tax_residency"]}
    if "risk_questionnaire" in body:
        appointment["risk_questionnaire"] = body["risk_questionnaire"]
    with store.tx() as db:
        store.put_appointment(appointment)
        db.execute("UPDATE walk_ins SET status = 'submitted', appointment_id = ? WHERE id = ?",
                   (appointment["id"], session_id))
    return json_response(202, {"status": "submitted"})


def register(app: Flask) -> None:
    """Mount the journey routes under their operationIds."""
    rules = [
        ("/v1/identity-verifications", "verifyIdentity", verify_identity, "POST"),
        ("/v1/accounts", "openAccount", open_account, "POST"),
        ("/v1/accounts/<account_id>/pin", "setPin", set_pin, "POST"),
        ("/v1/accounts/<account_id>/mobile-banking", "activateMobileBanking", mobile_banking, "POST"),
        ("/v1/accounts/<account_id>/online-banking", "activateOnlineBanking", online_banking, "POST"),
        ("/v1/risk-assessments", "recordRiskAssessment", risk_assessment, "POST"),
        ("/v1/credit-card-applications", "applyCreditCard", credit_card, "POST"),
        ("/v1/wechat-bindings", "createWechatBinding", wechat_binding, "POST"),
        ("/v1/walk-in-sessions", "createWalkInSession", create_walk_in, "POST"),
        ("/v1/walk-in-sessions/<session_id>", "getWalkInSession", get_walk_in, "GET"),
        ("/v1/forms/<session_id>/submission", "submitWalkInForm", submit_walk_in, "POST"),
    ]
    for rule, endpoint, view, method in rules:
        app.add_url_rule(rule, endpoint, view, methods=[method])
