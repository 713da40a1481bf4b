"""Kiosk routes of the phone check before e-banking (contract: startPhoneVerification, confirmPhoneVerification)
and the rule the activation routes apply: a current kiosk's activation names a confirmed number."""

from __future__ import annotations

from typing import Any

from central_service.activation.store import PhoneVerifications, VerificationRefused
from central_service.kiosk_api import Call, kiosk_post
from central_service.problems import ApiError
from central_service.sms import SmsError

SMS_TEXT = "您正在开通手机银行和网上银行，验证码 {code}，5分钟内有效。请勿将验证码告诉任何人。"


def verifications(call: Call) -> PhoneVerifications:
    return PhoneVerifications(call.central.store.db, clock=call.central.store.clock)


def _refused(exc: VerificationRefused) -> ApiError:
    return ApiError(exc.status, exc.slug, exc.detail)


@kiosk_post("PhoneVerificationRequest")
def start(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    """A new code, texted to the number (at most `store.CODES_PER_SESSION` per kiosk session)."""
    try:
        issued = verifications(call).issue(call.branch_id, body["kiosk_session_id"], body["account_id"],
                                           body["phone"])
    except VerificationRefused as exc:
        raise _refused(exc) from None
    try:
        call.central.sms.send(body["phone"], SMS_TEXT.format(code=issued.code))
    except SmsError as exc:
        raise ApiError(422, "sms-not-sent", str(exc)) from None
    return 201, issued.answer


@kiosk_post("PhoneCodeConfirmation")
def confirm(call: Call, body: dict[str, Any], phone_verification_id: str) -> tuple[int, Any]:
    try:
        return 200, verifications(call).confirm(call.branch_id, phone_verification_id, body["code"])
    except VerificationRefused as exc:
        raise _refused(exc) from None


def require_confirmed(call: Call, body: dict[str, Any], account_id: str) -> None:
    """Before an activation: a named verification must be confirmed for this account. Raises ApiError 422.

    A body without `phone_verification_id` comes from a kiosk older than the check and activates as before.
    """
    if "phone_verification_id" in body:
        try:
            verifications(call).require_confirmed(call.branch_id, body["phone_verification_id"], account_id)
        except VerificationRefused as exc:
            raise _refused(exc) from None


ROUTES = [
    ("/v1/phone-verifications", "startPhoneVerification", start, "POST"),
    ("/v1/phone-verifications/{phone_verification_id}/confirmation", "confirmPhoneVerification", confirm, "POST"),
]
