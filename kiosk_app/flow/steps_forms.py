"""Steps that confirm what the customer said in the mini program: details, tax residency, risk, agreements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from central_api_client.people import OCCUPATIONS
from central_api_client.risk import QUESTIONS, RiskAnswerError, score
from kiosk_app.flow.context import OnDecline
from kiosk_app.flow.events import Touch
from kiosk_app.flow.evidence import SignatureInvalid, chosen_locale
from kiosk_app.flow.model import Path
from kiosk_app.flow.states import St
from kiosk_app.flow.steps_bundle import choose_services

if TYPE_CHECKING:
    from kiosk_app.flow.session import Session

# Fields a customer may change on the kiosk, and how: a pick list or the numeric keypad. Nothing else is
# editable here (no Chinese typing on a kiosk): the answer is "fix it on your phone".
PICK_LISTS: dict[str, tuple[str, ...]] = {"occupation": OCCUPATIONS}
KEYPAD_FIELDS = {"phone": 11}


def on_review_confirm(s: Session, ev: Touch) -> St:
    return St.TAX_RESIDENCY


def on_review_edit(s: Session, ev: Touch) -> St:
    change: dict[str, Any] = ev.value or {}
    field, value = change.get("field"), str(change.get("value", ""))
    if field in PICK_LISTS:
        if value not in PICK_LISTS[field]:
            return s.stay(base="invalid_choice")
    elif field in KEYPAD_FIELDS:
        if not (value.isdigit() and len(value) == KEYPAD_FIELDS[field]):
            return s.stay(base="invalid_choice")
    else:
        return s.stay(base="fix_on_phone")
    s.ctx.customer[field] = value
    s.ctx.evidence.edited(field)  # the bank gets the edited value, and knows it was changed here
    return St.REVIEW


def on_request_class1(s: Session, ev: Touch) -> St:
    """A Class I account needs a lobby manager's on-site identity check during the session."""
    if s.ctx.check is not None and s.ctx.check.holds_class1:
        return s.stay(base="already_class1")
    return s.request_staff("onsite_identity", St.REVIEW, on_decline=OnDecline.CLASS2)


def on_tax_confirm(s: Session, ev: Touch) -> St:
    """The customer confirms the declared status; another status needs the full declaration (TIN, country),
    which is made on the phone, never typed here."""
    chosen = (ev.value or {}).get("status") if isinstance(ev.value, dict) else None
    declared = s.ctx.appointment.tax_residency.get("status") if s.ctx.appointment else None
    if chosen is not None and declared and chosen != declared:
        return s.stay(base="fix_on_phone")
    return St.RISK


def on_risk_confirm(s: Session, ev: Touch) -> St:
    answers = s.ctx.risk_answers or dict(s.ctx.appointment.risk_answers)
    try:
        score(answers)
    except RiskAnswerError:
        return on_risk_redo(s, ev)
    s.ctx.risk_answers = answers
    return St.AGREEMENTS


def on_risk_redo(s: Session, ev: Touch) -> St:
    s.ctx.risk_answers = {}
    s.ctx.risk_redo = list(QUESTIONS)
    return St.RISK_REDO


def on_risk_answer(s: Session, ev: Touch) -> St:
    question = s.ctx.risk_redo[0]
    if ev.value not in QUESTIONS[question]:
        return s.stay(base="invalid_choice")
    s.ctx.risk_answers[question] = ev.value
    s.ctx.risk_redo.pop(0)
    return St.RISK_REDO if s.ctx.risk_redo else St.RISK


def agreements_for(s: Session) -> tuple[str, ...]:
    extra = ("payroll_agreement",) if s.ctx.path is Path.PAYROLL else ()
    return s.settings.agreements + extra


def on_agree(s: Session, ev: Touch) -> St:
    pending = [a for a in agreements_for(s) if a not in s.ctx.agreements_accepted]
    s.ctx.agreements_accepted.append(pending[0])
    s.ctx.evidence.accept(pending[0], chosen_locale(ev.value, s.settings.locale))
    return St.AGREEMENTS if len(pending) > 1 else St.SENSITIVE_CONSENT


def on_sensitive_consent(s: Session, ev: Touch) -> St:
    s.ctx.sensitive_consent = True
    s.ctx.evidence.consent("sensitive_consent", chosen_locale(ev.value, s.settings.locale))
    return St.SIGNATURE


def on_sign(s: Session, ev: Touch) -> St:
    try:
        s.ctx.evidence.sign(ev.value)
    except SignatureInvalid:
        return s.stay(base="signature_empty")
    choose_services(s)
    return St.SERVICES
