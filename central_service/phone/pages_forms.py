"""The booking's forms, one task per page: personal data -> services -> tax residency -> risk pre-assessment ->
confirm. Each page validates server-side, shows the message beside the field, and stores its part of the draft
in one transaction; the appointment reaches the branch's kiosks only at confirm."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.responses import Response

from central_api_client.people import OCCUPATIONS
from central_api_client.risk import QUESTIONS, RiskAnswerError, score
from central_service.phone import validation as v
from central_service.phone.bookings import Booking, BookingError
from central_service.phone.pages_booking import branch_view
from central_service.phone.phone_pages import PAGES, bookings, network, own_booking
from central_service.web import Form, PageError, PageRequest

STEPS = ("book", "details", "services", "tax", "risk", "confirm")


def _draft(req: PageRequest) -> Booking:
    booking = own_booking(req)
    if booking.status != "draft":
        raise PageError(409, "book.not_draft")
    return booking


def _today(req: PageRequest) -> date:
    return req.central.store.clock().astimezone(network().zone).date()


def _step_page(req: PageRequest, booking: Booking, step: str, template: str, form: Form, **values: Any) -> Response:
    return req.render(template, status=422 if form.errors else 200, form=form, steps=STEPS, step=step,
                      booking=booking, **values)


def _save(req: PageRequest, booking: Booking, part: str, value: Any, next_step: str, **kwargs: Any) -> Response | None:
    """Store the part and go on; on a refused rule record it as the form's error and return None."""
    try:
        bookings(req).save_part(booking, part, value, **kwargs)
    except BookingError as exc:
        req.form.fail("base" if exc.key != "details.too_many_open" else "id_number", exc.key)
        return None
    return req.redirect(f"/phone/bookings/{booking.booking_id}/{next_step}")


def occupation_options(req: PageRequest) -> list[tuple[str, str]]:
    return [(code, req.t(f"kiosk.occupation.{code}")) for code in OCCUPATIONS]


@PAGES.page
def details(req: PageRequest) -> Response:
    booking = _draft(req)
    form = req.form
    if req.is_post:
        customer = v.person(form, _today(req), date.fromisoformat(booking.day))
        if form.ok:
            done = _save(req, booking, "customer", customer, "services", id_number=customer["id_number"])
            if done:
                return done
    elif "customer" in booking.draft:
        form = Form.filled(_form_values(booking.draft["customer"]))
    else:
        form = Form.filled({"phone": booking.phone, "id_type": "resident_id"})
    id_types = [(k, req.t(f"details.id_type_{k}")) for k in v.ID_TYPES]
    return _step_page(req, booking, "details", "details.html", form, id_types=id_types,
                      occupations=occupation_options(req))


def _form_values(customer: dict[str, Any]) -> dict[str, Any]:
    values = {k: customer.get(k) for k in ("name", "id_type", "id_number", "phone", "address", "occupation",
                                           "employer")}
    values["id_valid_to"] = customer.get("id_expiry")
    values["id_long_term"] = None if customer.get("id_expiry") else "yes"
    return values


@PAGES.page
def services(req: PageRequest) -> Response:
    booking = _draft(req)
    if "customer" not in booking.draft:
        return req.redirect(f"/phone/bookings/{booking.booking_id}/details")
    adult = v.is_adult(booking.draft["customer"], date.fromisoformat(booking.day))
    form = req.form
    if req.is_post:
        chosen = v.services(form, adult=adult)
        if form.ok and (done := _save(req, booking, "services", chosen, "tax")):
            return done
    else:
        stored = booking.draft.get("services", {})  # nothing ticked for the customer: they choose
        form = Form.filled({"services": [k for k, on in stored.items() if on and (adult or k != "credit_card")]})
    offered = [s for s in v.SERVICES if s != "debit_card" and (adult or s != "credit_card")]
    options = [(s, req.t(f"services.{s}")) for s in offered]
    return _step_page(req, booking, "services", "services.html", form, options=options, adult=adult)


@PAGES.page
def tax(req: PageRequest) -> Response:
    booking = _draft(req)
    form = req.form
    if req.is_post:
        declaration = v.tax_residency(form, req.central.store.clock())
        if form.ok and (done := _save(req, booking, "tax_residency", declaration, "risk")):
            return done
    elif "tax_residency" in booking.draft:
        stored = booking.draft["tax_residency"]
        values: dict[str, Any] = {"status": stored["status"]}
        for i, j in enumerate(stored.get("jurisdictions", []), 1):
            values.update({f"country_{i}": j["country"], f"tin_{i}": j.get("tin"),
                           f"no_tin_reason_{i}": j.get("no_tin_reason")})
        form = Form.filled(values)
    countries = [(c, req.t(f"tax.country.{c}")) for c in v.TAX_COUNTRIES]
    reasons = [(r, req.t(f"tax.reason_{r}")) for r in v.NO_TIN_REASONS]
    statuses = [(s, req.t(f"kiosk.tax_status.{s}")) for s in v.TAX_STATUSES]
    return _step_page(req, booking, "tax", "tax.html", form, countries=countries, reasons=reasons,
                      statuses=statuses, rows=range(1, v.JURISDICTION_ROWS + 1))


def risk_questions(req: PageRequest) -> list[dict[str, Any]]:
    return [{"id": q, "text": req.t(f"kiosk.question.{q}"),
             "options": [(c, req.t(f"kiosk.text.risk_{q}_{c}")) for c in choices]} for q, choices in QUESTIONS.items()]


@PAGES.page
def risk(req: PageRequest) -> Response:
    booking = _draft(req)
    form = req.form
    if req.is_post:
        answers = v.risk_answers(form, req.central.store.clock())
        if form.ok and (done := _save(req, booking, "risk_questionnaire", answers, "confirm")):
            return done
    elif "risk_questionnaire" in booking.draft:
        form = Form.filled({a["question_id"]: a["answer"] for a in booking.draft["risk_questionnaire"]["answers"]})
    return _step_page(req, booking, "risk", "risk.html", form, questions=risk_questions(req))


def risk_result(draft: dict[str, Any]) -> dict[str, Any] | None:
    """Score and level of the stored answers (the kiosk asks the customer to confirm the same)."""
    stored = draft.get("risk_questionnaire")
    if not stored:
        return None
    try:
        total, level = score({a["question_id"]: a["answer"] for a in stored["answers"]})
    except RiskAnswerError:
        return None
    return {"score": total, "level": level}


@PAGES.page
def confirm(req: PageRequest) -> Response:
    booking = _draft(req)
    missing = next((step for step, part in (("details", "customer"), ("services", "services"),
                                            ("tax", "tax_residency"), ("risk", "risk_questionnaire"))
                    if part not in booking.draft), None)
    if missing:
        return req.redirect(f"/phone/bookings/{booking.booking_id}/{missing}")
    day = date.fromisoformat(booking.day)
    branch = network().branches[booking.branch_id]
    if not network().bookable(branch, day, booking.slot, req.central.store.clock()):
        req.session.set("notice", "confirm.slot_passed")  # the draft waited too long: pick a time again
        return req.redirect(f"/phone/bookings/{booking.booking_id}/reschedule")
    if req.is_post:
        try:
            bookings(req).confirm(booking, network().starts_at(day, booking.slot))
        except BookingError as exc:
            raise PageError(409, exc.key) from None
        return req.redirect(f"/phone/bookings/{booking.booking_id}/appointment")
    return _step_page(req, booking, "confirm", "confirm.html", req.form, branch=branch_view(req, branch),
                      summary=summary(req, booking), risk=risk_result(booking.draft))


def summary(req: PageRequest, booking: Booking) -> list[tuple[str, str]]:
    """What the customer filled in, masked where the full value is not needed to check it."""
    customer = booking.draft.get("customer", {})
    number = customer.get("id_number", "")
    services_on = [req.t(f"services.{k}") for k, on in booking.draft.get("services", {}).items() if on]
    tax_status = booking.draft.get("tax_residency", {}).get("status")
    return [
        (req.t("details.name"), customer.get("name", "")),
        (req.t("details.id_number"), number[:3] + "*" * max(0, len(number) - 7) + number[-4:]),
        (req.t("details.phone"), customer.get("phone", "")[:3] + "****" + customer.get("phone", "")[-4:]),
        (req.t("details.occupation"), req.t(f"kiosk.occupation.{customer['occupation']}")
         if customer.get("occupation") else ""),
        (req.t("services.title"), "、".join(services_on) if req.locale == "zh_CN" else ", ".join(services_on)),
        (req.t("tax.title"), req.t(f"kiosk.tax_status.{tax_status}") if tax_status else ""),
    ]
