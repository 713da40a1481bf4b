"""Steps from the first scan to a verified customer: QR, ID card, walk-in form, staff decisions."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from kiosk_app.flow.context import OnDecline, StaffApproval
from kiosk_app.flow.events import (
    FormSubmitted,
    IdCardRead,
    IdCardUnreadable,
    QrScanned,
    StaffAnswered,
    StaffAuth,
    StaffDecision,
    Touch,
)
from kiosk_app.flow.model import Path, Verdict
from kiosk_app.flow.policy import document_problem
from kiosk_app.flow.ports import PortError
from kiosk_app.flow.staff import StaffLocked
from kiosk_app.flow.states import St

if TYPE_CHECKING:
    from kiosk_app.flow.session import Session

log = logging.getLogger(__name__)
MAX_MISMATCHES = 3


def on_qr(s: Session, ev: QrScanned) -> St:
    token = s.ports.tokens.verify(ev.text)
    if token.kind is Path.PAYROLL:  # a payroll batch QR: the ID card names the employee
        s.ctx.token = token
        s.begin(Path.PAYROLL)
        return St.AWAIT_ID_CARD
    appointment = s.ports.appointments.find(token)
    if appointment.status == "cancelled":
        s.recorder.release_token(token.token_id)
        return s.stay(base="appointment_cancelled")
    s.ctx.token, s.ctx.appointment = token, appointment
    s.begin(appointment.kind)
    return St.AWAIT_ID_CARD


def on_walk_in(s: Session, ev: object) -> St:
    s.begin(Path.WALK_IN)
    return St.AWAIT_ID_CARD


def on_id_card_bad(s: Session, ev: IdCardUnreadable) -> St:
    return s.stay(base=ev.reason)


def on_id_card(s: Session, ev: IdCardRead) -> St:
    identity = ev.identity
    problem = document_problem(identity.valid_to, s.today())
    if problem:
        identity.wipe()
        return s.stay(base=problem)
    if s.ctx.appointment is None and s.ctx.token is not None and s.ctx.token.kind is Path.PAYROLL:
        try:
            _find_payroll_entry(s, identity.id_number)
        except PortError:
            identity.wipe()
            raise
    if s.ctx.appointment is not None and not _matches(s, identity):
        identity.wipe()
        s.ctx.mismatches += 1
        if s.ctx.mismatches >= MAX_MISMATCHES:
            return s.request_staff("id_mismatch", St.AWAIT_ID_CARD)
        return s.stay(base="id_mismatch")
    s.ctx.identity = identity
    return after_identity(s)


def _find_payroll_entry(s: Session, id_number: str) -> None:
    """The employee's pickup appointment in the scanned batch; from here on the session redeems that
    appointment (the batch QR itself stays usable for the next employee)."""
    batch = s.ctx.token
    appointment = s.ports.appointments.find_payroll(batch, id_number)
    if appointment.status == "cancelled":
        raise PortError("payroll_entry_returned", "the pickup appointment was cancelled")
    s.ctx.appointment = appointment
    s.ctx.token = replace(batch, appointment_id=appointment.id)


def _matches(s: Session, identity) -> bool:
    customer = s.ctx.customer
    same_number = customer.get("id_number", "").upper() == identity.id_number.upper()
    names = {identity.name_zh.strip(), identity.name_en.strip().upper()} - {""}
    return same_number and customer.get("name", "").strip() in names | {n.upper() for n in names}


def after_identity(s: Session) -> St:
    """Age rules, the central identity check, the blocklist; then the form (walk-in) or the review."""
    identity = s.ctx.identity
    age_rule = s.policy.needs_staff_for_age(identity.age_on(s.today()))
    if age_rule and not s.ctx.approved(age_rule):
        return s.request_staff(age_rule, St.AWAIT_ID_CARD)
    if s.settings.face_capture and s.ports.face is not None and s.ctx.face_decision is None:
        return St.FACE_CONSENT
    check = s.ctx.check or s.ports.central.verify_identity(s.ctx.session_id, identity, s.ctx.face)
    s.ctx.check = check
    refusal = s.policy.refusal(check)
    if refusal:
        return s.refuse(refusal)
    if check.verdict is Verdict.NO_MATCH:
        return s.refuse("identity_doubt")  # the bank's rule: no account on a failed match, staff explain
    if check.verdict is Verdict.NEEDS_STAFF and not s.ctx.approved("central_needs_staff"):
        return s.request_staff("central_needs_staff", St.AWAIT_ID_CARD)
    if s.ctx.path is Path.WALK_IN and s.ctx.appointment is None:
        form = s.ports.central.create_walk_in_form(s.ctx.session_id, identity, s.settings.walk_in_form_timeout_s)
        s.ctx.form_id, s.ctx.form_url = form.form_id, form.url
        return St.WALK_IN_FORM
    return St.REVIEW


def on_face_consent(s: Session, ev: Touch) -> St:
    """Face capture only with its own consent, and a guardian's (a staff approval) under 14; a capture that
    fails leaves the document check to stand alone: the face is never the only way to verify."""
    age = s.ctx.identity.age_on(s.today())
    if age < s.policy.guardian_consent_under and not s.ctx.approved("guardian_consent"):
        return s.request_staff("guardian_consent", St.FACE_CONSENT)
    s.ctx.face_decision = "consent"
    try:
        s.ctx.face = s.ports.face.capture()
    except PortError as exc:
        log.warning("face capture failed (%s); verifying with the ID card alone", exc.key)
    s.recorder.event(s.ctx.session_id, "face_consent", {"consent": True, "captured": bool(s.ctx.face)})
    return after_identity(s)


def on_face_skip(s: Session, ev: Touch) -> St:
    s.ctx.face_decision = "skip"
    s.recorder.event(s.ctx.session_id, "face_consent", {"consent": False})
    return after_identity(s)


def on_form(s: Session, ev: FormSubmitted) -> St:
    """The phone's form, as the bank's appointment; the ID card stays the source of name and number."""
    appointment = ev.appointment
    identity = s.ctx.identity
    appointment.customer.update({"name": identity.name_zh or identity.name_en, "id_number": identity.id_number})
    appointment.kind = Path.WALK_IN
    s.ctx.appointment = appointment
    return St.REVIEW


def on_staff_auth(s: Session, ev: StaffAuth) -> St:
    try:
        ok = s.ports.staff.authenticate(ev.staff_id, ev.pin)
    except StaffLocked:
        s.recorder.event(s.ctx.session_id, "staff_login_locked", {"staff_id": ev.staff_id})
        return s.stay(base="staff_locked")
    if not ok:
        s.recorder.event(s.ctx.session_id, "staff_login_failed", {"staff_id": ev.staff_id})
        return s.stay(base="staff_auth_failed")
    s.ctx.staff_request.staff_id = ev.staff_id
    return St.STAFF_DECIDE


def on_staff_answered(s: Session, ev: StaffAnswered) -> St:
    """The floor acknowledged the call or a manager is on the way: the waiting customer is told so."""
    if ev.status in ("acknowledged", "on_way"):
        s.ctx.staff_request.answer = ev.status
        s.recorder.event(s.ctx.session_id, "staff_call_answered", {"status": ev.status, "staff_id": ev.staff_id})
    return St.STAFF_NEEDED


def on_staff_decision(s: Session, ev: StaffDecision) -> St:
    request = s.ctx.staff_request
    s.recorder.staff_decision(s.ctx.session_id, request.staff_id or "?", request.reason, ev.approve, ev.note)
    s.ctx.staff_request = None
    if not ev.approve:
        return St(request.resume) if request.on_decline is OnDecline.CLASS2 else s.refuse(request.reason)
    s.ctx.staff_approvals.append(StaffApproval(request.reason, request.staff_id))
    if request.reason == "onsite_identity":
        s.ctx.onsite_identity_checked = True
    resume = St(request.resume)
    if resume is St.AWAIT_ID_CARD and s.ctx.identity is not None:
        return after_identity(s)
    return resume
