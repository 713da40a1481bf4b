"""Routes for the real-time calls of the journey: each is one call of the core-banking port, with the
port's refusals turned into problems here, once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from central_service.activation.routes import require_confirmed
from central_service.core_banking import CoreRefusal, CoreUnavailable
from central_service.evidence.routes import check_opening, record_opening
from central_service.kiosk_api import Call, kiosk_get, kiosk_post
from central_service.payroll import kiosk_routes as payroll_routes
from central_service.problems import ApiError, json_response


def _core(action: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one core-bank call. Raises ApiError for a refusal (its status) or an outage (503)."""
    try:
        return action()
    except CoreRefusal as exc:
        raise ApiError(exc.status, exc.slug, exc.detail) from None
    except CoreUnavailable:
        raise ApiError(503, "core-unavailable", "the bank's core system did not answer; try again",
                       headers={"Retry-After": "1"}) from None


@kiosk_post("IdentityVerificationRequest")
def verify_identity(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    if "appointment_id" in body:
        appointment = call.central.store.get_appointment(body["appointment_id"])
        if appointment is None or appointment["branch_id"] != call.branch_id:
            raise ApiError(404, "not-found", "no such appointment in this branch")
    return 201, _core(lambda: call.central.core.verify_identity(call.branch_id, body["document"],
                                                                with_face="face_image" in body))


@kiosk_post("OpenAccountRequest")
def open_account(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    check_opening(body)
    batch_account = payroll_routes.batch_account(call, body.get("appointment_id"))
    with call.central.store.db.tx():  # the account and its evidence commit together (joins the key's transaction)
        if batch_account is not None:  # a payroll pickup: the account was opened with the batch; bind the card
            account = _core(lambda: call.central.core.bind_card(call.branch_id, batch_account, body))
        else:
            account = _core(lambda: call.central.core.open_account(call.branch_id, body))
        record_opening(call, account, body)
    return 201, account


@kiosk_post("SetPinRequest")
def set_pin(call: Call, body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    return 200, _core(lambda: call.central.core.set_pin(call.branch_id, account_id, body["key_id"]))


@kiosk_post("ActivationRequest")
def mobile_banking(call: Call, body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    return 200, _activate(call, body, account_id, "mobile_banking")


@kiosk_post("ActivationRequest")
def online_banking(call: Call, body: dict[str, Any], account_id: str) -> tuple[int, Any]:
    return 200, _activate(call, body, account_id, "online_banking")


def _activate(call: Call, body: dict[str, Any], account_id: str, service: str) -> dict[str, Any]:
    """E-banking for a confirmed mobile number, with the login credential set on the PIN pad (current kiosks)."""
    require_confirmed(call, body, account_id)
    credential = body.get("login_credential")
    return _core(lambda: call.central.core.activate(call.branch_id, service, account_id,
                                                    credential_key_id=credential["key_id"] if credential else None))


@kiosk_post("RiskAssessmentRequest")
def risk_assessment(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    return 201, _core(lambda: call.central.core.record_risk_assessment(call.branch_id, body))


@kiosk_post("CreditCardApplicationRequest")
def credit_card(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    return 201, _core(lambda: call.central.core.apply_credit_card(call.branch_id, body))


@kiosk_get
def credit_card_products(call: Call) -> Response:
    return json_response(200, _core(lambda: {"products": call.central.core.credit_card_products(call.branch_id)}))


@kiosk_post("WechatBindingRequest")
def wechat_binding(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    return 201, _core(lambda: call.central.core.bind_wechat(call.branch_id, body["account_id"]))


ROUTES = [
    ("/v1/identity-verifications", "verifyIdentity", verify_identity, "POST"),
    ("/v1/accounts", "openAccount", open_account, "POST"),
    ("/v1/accounts/{account_id}/pin", "setPin", set_pin, "POST"),
    ("/v1/accounts/{account_id}/mobile-banking", "activateMobileBanking", mobile_banking, "POST"),
    ("/v1/accounts/{account_id}/online-banking", "activateOnlineBanking", online_banking, "POST"),
    ("/v1/risk-assessments", "recordRiskAssessment", risk_assessment, "POST"),
    ("/v1/credit-card-products", "listCreditCardProducts", credit_card_products, "GET"),
    ("/v1/credit-card-applications", "applyCreditCard", credit_card, "POST"),
    ("/v1/wechat-bindings", "createWechatBinding", wechat_binding, "POST"),
]
