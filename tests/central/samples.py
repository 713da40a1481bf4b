"""Request bodies the tests send, built from a seeded appointment so the rules see a consistent person."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from typing import Any

from central_api_client import journey_models as jm
from central_api_client import models as m

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def document_of(appointment: m.Appointment) -> jm.IdDocument:
    c = appointment.customer
    return jm.IdDocument(id_type=c.id_type, id_number=c.id_number, name=c.name, date_of_birth=c.date_of_birth,
                         id_expiry=c.id_expiry, gender=c.gender, photo=base64.b64encode(b"chip-photo").decode())


def document(id_number: str, *, born: date = date(1990, 3, 7), name: str = "王小明") -> jm.IdDocument:
    return jm.IdDocument(id_type="resident_id", id_number=id_number, name=name, date_of_birth=born)


def verification_request(doc: jm.IdDocument, appointment_id: str | None = None, *,
                         face: bool = True) -> jm.IdentityVerificationRequest:
    return jm.IdentityVerificationRequest(
        kiosk_session_id="ks-1", appointment_id=appointment_id, document=doc,
        face_image=base64.b64encode(b"\xff\xd8jpeg").decode() if face else None, face_consent=face or None)


def open_request(verification_id: str, account_class: str = "II", **extra: Any) -> jm.OpenAccountRequest:
    return jm.OpenAccountRequest(kiosk_session_id="ks-1", verification_id=verification_id,
                                 account_class=account_class, card=jm.CardToBind(pan="6217001234567890123"),
                                 **extra)


def staff(staff_id: str = "LM007") -> jm.StaffApproval:
    return jm.StaffApproval(staff_id=staff_id, approved_at=NOW)


def questionnaire() -> m.RiskQuestionnaire:
    return m.RiskQuestionnaire(questionnaire_id="RQ-2024-01",
                               answers=[m.RiskAnswer(question_id="q1", answer="B")], answered_at=NOW)


def submission() -> jm.WalkInSubmission:
    return jm.WalkInSubmission(
        phone="13800138000", address="北京市朝阳区建国路1号", occupation="20000",
        tax_residency=m.TaxResidency(status="china_only", declared_at=NOW), risk_questionnaire=questionnaire(),
        services=m.Services(debit_card=True, mobile_banking=True, online_banking=False, risk_assessment=True,
                            credit_card=False, wechat_binding=True, follow_official_account=True))


def event(key: str, **payload: Any) -> m.Event:
    return m.Event(idempotency_key=key, stream="session", kind="session_step", occurred_at=NOW,
                   payload=payload or {"step": "welcome"})


def heartbeat() -> m.Heartbeat:
    return m.Heartbeat(kiosk_time=NOW, app_version="0.1.0", outbox_depth=3, card_stock=120, bin_count=1,
                       devices=[m.DeviceHealth(device="card_dispenser", state="online"),
                                m.DeviceHealth(device="printer", state="hardwareError", detail="paper low")],
                       clock_offset_ms=-250, disk_free_bytes=10**9, mode="open")


def _tiny_png() -> bytes:
    """A small real PNG (a stroke on white): the service reads and verifies the signature's image."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("L", (40, 20), 255)
    ImageDraw.Draw(image).line([(2, 15), (20, 4), (37, 12)], fill=0, width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


TINY_PNG = _tiny_png()


def evidence(customer: m.Customer, *, png: bytes = TINY_PNG) -> jm.Evidence:
    """Evidence as a kiosk sends it: the confirmed data, two agreements, one consent, the signature."""
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    return jm.Evidence(
        confirmed_data=customer.model_copy(update={"occupation": "30000"}), edited_fields=["occupation"],
        agreements=[jm.AgreementAcceptance(agreement_id=name, locale="zh_CN", version_digest=digest(name),
                                           accepted_at=NOW) for name in ("account_agreement", "privacy_notice")],
        consents=[jm.ConsentRecord(consent_id="sensitive_consent", locale="en", text_digest=digest("consent"),
                                   given_at=NOW)],
        signature=jm.SignatureEvidence(png=base64.b64encode(png).decode(),
                                       png_sha256=hashlib.sha256(png).hexdigest(),
                                       strokes=[[0, 0, 10, 12, 20, 5], [30, 4]], signed_at=NOW))


def credit_authorisation() -> jm.ConsentRecord:
    """The credit-report authorisation (征信查询授权) as the kiosk records it."""
    return jm.ConsentRecord(consent_id="credit_report_authorisation", locale="zh_CN",
                            text_digest=hashlib.sha256(b"credit report").hexdigest(), given_at=NOW)


def login_credential() -> jm.LoginCredential:
    """The e-banking login password as the PIN pad encrypts it (hex block under working key wk1)."""
    return jm.LoginCredential(pin_block="0123456789ABCDEF", format="ISO-0", key_id="wk1", bound_to="mobile")


def texted_code(sim: Any, phone: str) -> str:
    """The one-time code in the newest text the simulated SMS gateway sent to `phone` (as the customer reads it)."""
    import re

    message = sim.server.central.sms.last(phone)
    assert message is not None, f"no text to {phone}"
    return re.search(r"(?<![0-9])[0-9]{6}(?![0-9])", message.body).group(0)
