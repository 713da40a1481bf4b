"""The walk-in form behind the kiosk's QR code (`/forms/{session_id}?t=SECRET`): the customer standing at the
kiosk fills in contact details, services, tax residency and the risk questions on their own phone; the
submission completes the waiting kiosk session (one-time; it expires with the kiosk's countdown). The identity
comes from the ID card the kiosk read, so nobody types it here."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.responses import Response

from central_service.phone import validation as v
from central_service.phone.pages_forms import occupation_options, risk_questions
from central_service.phone.phone_pages import PAGES, network
from central_service.problems import ApiError
from central_service.routes_walk_in import check_form_secret, submit_form
from central_service.web import PageError, PageRequest

REFUSALS = {401: (404, "walkin.unknown"), 409: (409, "walkin.already_sent"), 410: (410, "walkin.expired")}


def _session(req: PageRequest) -> Any:
    try:
        row = check_form_secret(req.central, req.param("session_id"), req.query("t"))
    except ApiError as exc:
        raise PageError(*REFUSALS.get(exc.status, (400, "error.not_found"))) from None
    if row.status != "waiting" and req.is_post:
        raise PageError(*REFUSALS[409])
    if row.status == "waiting" and row.expires_at < time.time():
        raise PageError(*REFUSALS[410])
    return row


@PAGES.page
def walk_in_form(req: PageRequest) -> Response:
    row = _session(req)
    if row.status != "waiting":
        return req.render("walk_in_done.html")  # sent already: say so again (a second post is refused)
    document = json.loads(row.document)
    today = req.central.store.clock().astimezone(network().zone).date()
    adult = v.is_adult(document, today)
    form = req.form
    if req.is_post:
        now = req.central.store.clock()
        body: dict[str, Any] = v.contact(form)
        body["services"] = v.services(form, adult=adult)
        body["tax_residency"] = v.tax_residency(form, now)
        body["risk_questionnaire"] = v.risk_answers(form, now)
        if form.ok:
            try:
                submit_form(req.central, req.param("session_id"), req.query("t"), body)
            except ApiError as exc:
                raise PageError(*REFUSALS.get(exc.status, (400, "error.not_found"))) from None
            return req.redirect(f"/forms/{req.param('session_id')}?t={req.query('t')}")
    offered = [s for s in v.SERVICES if s != "debit_card" and (adult or s != "credit_card")]
    return req.render("walk_in.html", status=422 if form.errors else 200, form=form,
                      name=_masked_name(document.get("name", "")), minutes_left=_minutes_left(row.expires_at),
                      occupations=occupation_options(req), options=[(s, req.t(f"services.{s}")) for s in offered],
                      adult=adult, statuses=[(s, req.t(f"kiosk.tax_status.{s}")) for s in v.TAX_STATUSES],
                      countries=[(c, req.t(f"tax.country.{c}")) for c in v.TAX_COUNTRIES],
                      reasons=[(r, req.t(f"tax.reason_{r}")) for r in v.NO_TIN_REASONS],
                      rows=range(1, v.JURISDICTION_ROWS + 1), questions=risk_questions(req))


def _masked_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _minutes_left(expires_at: float) -> int:
    return max(1, int((expires_at - time.time()) // 60))
