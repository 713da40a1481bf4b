"""The employee's personal pickup page (the SMS link): the pickup QR the kiosk scans, with the employee's
masked details. The link's secret is keyed from the store's secret; a wrong one is a plain 404."""

from __future__ import annotations

import hmac

from starlette.responses import Response

from central_service.payroll.errors import NotFound
from central_service.payroll.pages_common import page, payroll, pickup_secret
from central_service.payroll.poster import qr_png
from central_service.payroll.states import EntryState
from central_service.payroll.store import Entry
from central_service.web import PageError, PageRequest


def _entry(req: PageRequest) -> Entry:
    entry_id = req.param("entry_id")
    if not hmac.compare_digest(req.query("k").encode(), pickup_secret(req, entry_id).encode()):
        raise PageError(404, "err.not_found")
    try:
        entry = payroll(req).entry(entry_id)
    except NotFound:
        raise PageError(404, "err.not_found") from None
    if entry.state is not EntryState.OPENED or not entry.appointment_id:
        raise PageError(409, "err.payroll_not_ready")
    return entry


@page
def pickup(req: PageRequest) -> Response:
    entry = _entry(req)
    doc = req.central.store.get_appointment(entry.appointment_id)
    return req.render("pickup.html", entry=entry, collected=doc is not None and doc["status"] == "redeemed",
                      qr=f"/payroll/pickup/{entry.id}/qr.png?k={req.query('k')}")


@page
def pickup_qr(req: PageRequest) -> Response:
    """The pickup QR (the appointment's signed token, as for any booked appointment) as a PNG."""
    entry = _entry(req)
    doc = req.central.store.get_appointment(entry.appointment_id)
    token = req.central.sign_token(entry.appointment_id, doc["branch_id"])
    return Response(qr_png(token, scale=8), media_type="image/png")
