"""The appointment page (the signed QR code, branch, time, what to bring, reschedule and cancel) and the
agreements to read ahead (the kiosk's own texts; acceptance stays at the kiosk)."""

from __future__ import annotations

import base64
import io
from datetime import date, datetime, timedelta

import zxingcpp
from PIL import Image
from starlette.responses import Response

from central_service.phone.pages_booking import branch_view
from central_service.phone.pages_forms import risk_result, summary
from central_service.phone.phone_pages import ASSETS, PAGES, network, own_booking
from central_service.web import PageError, PageRequest

AGREEMENTS = ("account_agreement", "e_banking_agreement", "privacy_notice", "sensitive_consent")
QR_SCALE = 6


def qr_png_data_uri(text: str) -> str:
    """The QR code of `text` (error correction M) as a PNG data URI: drawn by the service, no script needed."""
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = Image.fromarray(barcode.to_image(scale=QR_SCALE, add_quiet_zones=True))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def token_lifetime(now: datetime, starts_at: datetime) -> timedelta:
    """Valid from now until the end of the appointment's day (local), so a screenshot kept for later expires."""
    day_end = datetime.combine(starts_at.date() + timedelta(days=1), datetime.min.time(), tzinfo=starts_at.tzinfo)
    return max(day_end - now, timedelta(minutes=5))


@PAGES.page
def appointment(req: PageRequest) -> Response:
    booking = own_booking(req)
    if booking.status == "draft":
        return req.redirect(f"/phone/bookings/{booking.booking_id}/confirm")
    starts = network().starts_at(date.fromisoformat(booking.day), booking.slot)
    qr = None
    if booking.is_open:
        now = req.central.store.clock()
        token = req.central.sign_token(booking.booking_id, booking.branch_id, valid_for=token_lifetime(now, starts),
                                       issued_at=now)
        qr = qr_png_data_uri(token)
    branch = network().branches[booking.branch_id]
    return req.render("appointment.html", booking=booking, qr=qr, branch=branch_view(req, branch),
                      when=f"{booking.day} {booking.slot}", summary=summary(req, booking),
                      risk=risk_result(booking.draft), notice=req.session.pop("notice"))


@PAGES.page
def agreements(req: PageRequest) -> Response:
    return req.render("agreements.html", names=AGREEMENTS)


@PAGES.page
def agreement(req: PageRequest) -> Response:
    name = req.param("name")
    if name not in AGREEMENTS:
        raise PageError(404, "error.not_found")
    text = (ASSETS / "agreements" / f"{name}.{req.locale}.txt").read_text(encoding="utf-8")
    return req.render("agreement.html", name=name, text=text)
