"""The journey's real-time calls over the one central client; client errors become PortError keys here, once.

Idempotency keys are derived from the session id and the step (`<session>:open`), so a retry after a
crash or a timeout repeats the same request and the bank applies it once.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

from central_api_client import CentralClient, errors
from central_api_client import journey_models as jm
from central_api_client.models import Customer, RiskQuestionnaire, Services, TaxResidency
from central_api_client.risk import QUESTIONNAIRE_ID, score
from kiosk_app.flow.adapters.appointments import from_contract
from kiosk_app.flow.credit import CreditApplication, CreditProduct
from kiosk_app.flow.ebanking import EBankingProof, PhoneCheck
from kiosk_app.flow.evidence import Acceptance, EvidenceLog
from kiosk_app.flow.model import Account, Appointment, Identity, IdentityCheck, Verdict, WalkInForm
from kiosk_app.flow.ports import OpenAccount, PortError

T = TypeVar("T")
ID_TYPES = {"resident_id": "resident_id", "hk_macao_taiwan_permit": "hk_macao_permit",
            "foreign_permanent_resident": "foreign_permanent_resident"}
CLASSES = {1: "I", 2: "II"}


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Client errors -> the journey's message keys (who must act is decided by the key)."""
    try:
        yield
    except errors.Unavailable as exc:
        raise PortError("central_unavailable", str(exc)) from exc
    except errors.ProtocolError as exc:
        raise PortError("central_unavailable", f"contract broken: {exc}") from exc
    except (errors.Unauthorized, errors.Forbidden) as exc:
        raise PortError("central_unavailable", f"kiosk not authorised: {exc}", needs_staff=True) from exc
    except errors.Conflict as exc:
        raise PortError("central_needs_staff", exc.problem_type or str(exc), needs_staff=True) from exc
    except errors.CentralError as exc:
        raise PortError("central_needs_staff", exc.problem_type or str(exc), needs_staff=True) from exc


@contextlib.contextmanager
def _refusals(keys: dict[str, str]) -> Iterator[None]:
    """The bank's answers the customer can act on (a wrong code) become those keys; the rest stay as translated."""
    try:
        yield
    except PortError as exc:
        if exc.__cause__ is not None and getattr(exc.__cause__, "problem_type", None) in keys:
            raise PortError(keys[exc.__cause__.problem_type], exc.detail) from None
        raise


def document(identity: Identity) -> jm.IdDocument:
    return jm.IdDocument(
        id_type=ID_TYPES.get(identity.card_type, "resident_id"), id_number=identity.id_number,
        name=identity.name_zh or identity.name_en, date_of_birth=identity.birth_date,
        id_expiry=identity.valid_to, gender={"1": "male", "2": "female"}.get(identity.sex),
        photo=base64.b64encode(identity.photo).decode() if identity.photo else None,
    )


def evidence(confirmed: dict[str, Any], log: EvidenceLog) -> jm.Evidence:
    """The contract's evidence from the session's log. Raises PortError if the confirmed data does not fit the
    contract (a broken appointment: the bank must not open an account on evidence it cannot keep)."""
    signature = log.signature
    assert signature is not None  # the flow sends evidence only once signed
    try:
        customer = Customer.model_validate({k: v for k, v in confirmed.items() if k in Customer.model_fields})
    except ValueError as exc:
        raise PortError("central_needs_staff", f"confirmed data does not fit the contract: {type(exc).__name__}",
                        needs_staff=True) from None
    return jm.Evidence(
        confirmed_data=customer, edited_fields=list(log.edited_fields) or None,
        agreements=[jm.AgreementAcceptance(agreement_id=a.item_id, locale=a.locale, version_digest=a.digest,
                                           accepted_at=a.at) for a in log.agreements],
        consents=[_consent(c) for c in log.consents],
        signature=jm.SignatureEvidence(png=base64.b64encode(signature.png).decode("ascii"),
                                       png_sha256=signature.png_sha256, strokes=signature.strokes,
                                       signed_at=signature.signed_at),
    )


def _consent(c: Acceptance) -> jm.ConsentRecord:
    return jm.ConsentRecord(consent_id=c.item_id, locale=c.locale, text_digest=c.digest, given_at=c.at)


def _questionnaire(answers: dict[str, str]) -> RiskQuestionnaire:
    return RiskQuestionnaire(questionnaire_id=QUESTIONNAIRE_ID,
                             answers=[{"question_id": q, "answer": a} for q, a in answers.items()],
                             answered_at=datetime.now(UTC))


class CentralAdapter:
    def __init__(self, client: CentralClient) -> None:
        self.client = client
        self._verification: dict[str, str] = {}

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with translated():
            return fn(*args, **kwargs)

    def verify_identity(self, session_id: str, identity: Identity, face: bytes | None) -> IdentityCheck:
        request = jm.IdentityVerificationRequest(
            kiosk_session_id=session_id, document=document(identity),
            face_image=base64.b64encode(face).decode() if face else None, face_consent=bool(face) or None,
        )
        answer = self._call(self.client.verify_identity, request, idempotency_key=f"{session_id}:verify")
        self._verification[session_id] = answer.verification_id
        return IdentityCheck(Verdict(answer.outcome), answer.blocklisted, answer.holds_class1_account,
                             ",".join(answer.reasons or []), answer.verification_id)

    def open_account(self, request: OpenAccount, pan: str, key: str) -> Account:
        now = datetime.now(UTC)
        body = jm.OpenAccountRequest(
            kiosk_session_id=request.session_id, verification_id=request.verification_id,
            appointment_id=request.appointment_id, account_class=CLASSES[request.account_class],
            card=jm.CardToBind(pan=pan),
            on_site_check=jm.StaffApproval(staff_id=request.onsite_check_staff_id, approved_at=now)
            if request.onsite_check_staff_id else None,
            staff_approval=jm.StaffApproval(staff_id=request.staff_approval_staff_id, approved_at=now)
            if request.staff_approval_staff_id else None,
            evidence=evidence(request.confirmed_data, request.evidence) if request.evidence else None,
        )
        account = self._call(self.client.open_account, body, idempotency_key=key)
        return Account(account.account_id, 1 if account.account_class == "I" else 2, account.card_pan_masked)

    def set_pin(self, account: Account, pin_block: bytes, key_id: str, key: str) -> None:
        body = jm.SetPinRequest(pin_block=pin_block.hex().upper(), format="ISO-0", key_id=key_id)
        self._call(self.client.set_pin, account.account_id, body, idempotency_key=key)

    def record_risk_assessment(self, session_id: str, account: Account, answers: dict[str, str], key: str) -> str:
        total, level = score(answers)
        body = jm.RiskAssessmentRequest(
            kiosk_session_id=session_id, verification_id=self._verification.get(session_id, ""),
            questionnaire=_questionnaire(answers), score=min(total, 100), level=level,
        )
        return self._call(self.client.record_risk_assessment, body, idempotency_key=key).assessment_id

    def activate(self, session_id: str, account: Account, service: str, key: str,
                 proof: EBankingProof | None = None) -> dict[str, Any]:
        activation = jm.ActivationRequest(kiosk_session_id=session_id)
        if proof is not None and proof.check is not None:
            credential = proof.credential
            activation = jm.ActivationRequest(
                kiosk_session_id=session_id, phone_verification_id=proof.check.verification_id,
                login_credential=jm.LoginCredential(pin_block=credential.block_hex, format="ISO-0",
                                                    key_id=credential.key_id, bound_to="mobile")
                if credential else None)
        if service == "mobile_banking":
            done = self._call(self.client.activate_mobile_banking, account.account_id, activation, idempotency_key=key)
            return {"reference": done.reference}
        if service == "online_banking":
            done = self._call(self.client.activate_online_banking, account.account_id, activation, idempotency_key=key)
            return {"reference": done.reference}
        if service == "wechat_pay":
            body = jm.WechatBindingRequest(kiosk_session_id=session_id, account_id=account.account_id)
            return {"url": self._call(self.client.create_wechat_binding, body, idempotency_key=key).url}
        raise PortError("invalid_choice", f"unknown service {service}")

    def start_phone_verification(self, session_id: str, account: Account, phone: str, key: str) -> PhoneCheck:
        body = jm.PhoneVerificationRequest(kiosk_session_id=session_id, account_id=account.account_id, phone=phone)
        with _refusals({"too-many-codes": "sms_too_many", "sms-not-sent": "sms_too_many"}):
            sent = self._call(self.client.start_phone_verification, body, idempotency_key=key)
        return PhoneCheck(sent.phone_verification_id, sent.phone_masked)

    def confirm_phone_verification(self, check: PhoneCheck, code: str, key: str) -> None:
        body = jm.PhoneCodeConfirmation(code=code)
        with _refusals({"wrong-code": "sms_code_wrong", "code-expired": "sms_code_expired",
                        "too-many-attempts": "sms_code_expired"}):
            self._call(self.client.confirm_phone_verification, check.verification_id, body, idempotency_key=key)

    def credit_card_products(self) -> list[CreditProduct]:
        listed = self._call(self.client.credit_card_products).products
        return [CreditProduct(p.product_code, p.name_zh, p.name_en, p.annual_fee_cny, p.min_age) for p in listed]

    def apply_credit_card(self, session_id: str, account: Account, application: CreditApplication,
                          key: str) -> dict[str, Any]:
        """The application with its authorisation's evidence (`consent` stays true for the contract's old field)."""
        body = jm.CreditCardApplicationRequest(
            kiosk_session_id=session_id, verification_id=self._verification.get(session_id, ""),
            account_id=account.account_id, product_code=application.product_code,
            annual_income_band=application.income_band, employer=application.employer or None, consent=True,
            credit_report_authorisation=_consent(application.authorisation))
        return {"reference": self._call(self.client.apply_credit_card, body, idempotency_key=key).application_id}

    def redeem(self, appointment_id: str, token_id: str, key: str) -> None:
        body = jm.RedeemRequest(kiosk_session_id=key.partition(":")[0],
                                verification_id=None)
        self._call(self.client.redeem, appointment_id, body, idempotency_key=key)

    def create_walk_in_form(self, session_id: str, identity: Identity, expires_in_s: int) -> WalkInForm:
        """The form session for the phone; it expires with the kiosk's countdown (`expires_in_s`)."""
        body = jm.WalkInSessionRequest(kiosk_session_id=session_id, document=document(identity),
                                       expires_in_s=expires_in_s)
        form = self._call(self.client.create_walk_in_session, body, idempotency_key=f"{session_id}:walk-in")
        expires = int((form.expires_at - datetime.now(UTC)).total_seconds())
        return WalkInForm(form.session_id, form.form_url, max(expires, 0))

    def walk_in_submission(self, form_id: str, wait_s: float) -> Appointment | None:
        """The appointment the phone's form created, once submitted (long-polls up to `wait_s`)."""
        form = self._call(self.client.get_walk_in_session, form_id, wait=int(wait_s))
        if form.status == "expired":
            raise PortError("form_timeout", form_id)
        if form.status != "submitted" or form.appointment is None:
            return None
        return from_contract(form.appointment.model_dump(mode="json"))

    def staff_call_answer(self, session_id: str, seen: str, wait_s: float) -> tuple[str, str | None] | None:
        """The floor's answer to this session's staff call (status, manager), long-polling up to `wait_s` for
        a status other than `seen`; None while the call has not reached the service."""
        found = self._call(self.client.staff_calls, wait=int(wait_s), seen=seen)
        for call in found.calls:
            if call.session_id == session_id:
                return call.status, call.answered_by
        return None


__all__ = ["CentralAdapter", "Services", "TaxResidency", "document", "translated"]
