"""The phone area's routes (registered in app.py): (path, name, endpoint, method)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from central_service.phone import pages_appointment as a
from central_service.phone import pages_booking as b
from central_service.phone import pages_forms as f
from central_service.phone import pages_sign_in as s
from central_service.phone import pages_walk_in as w


async def root(request: Request) -> Response:
    """The service's front page is the customer's: the phone pages."""
    return RedirectResponse("/phone/", status_code=303)


def _page(path: str, name: str, endpoint: Callable[..., Any],
          methods: tuple[str, ...] = ("GET", "POST")) -> list[tuple[str, str, Callable[..., Any], str]]:
    return [(path, f"{name}{m.title()}", endpoint, m) for m in methods]


BOOKING = "/phone/bookings/{booking_id}"
ROUTES = [
    ("/", "phoneRoot", root, "GET"),
    *_page("/phone/", "phoneHome", b.home, ("GET",)),
    *_page("/phone/sign-in", "phoneSignIn", s.sign_in),
    *_page("/phone/sign-in/code", "phoneSignInCode", s.enter_code),
    *_page("/phone/sign-out", "phoneSignOut", s.sign_out, ("POST",)),
    *_page("/phone/book", "phoneBookBranch", b.choose_branch),
    *_page("/phone/book/{branch_id}", "phoneBookSlot", b.choose_slot),
    *_page(f"{BOOKING}/details", "phoneDetails", f.details),
    *_page(f"{BOOKING}/services", "phoneServices", f.services),
    *_page(f"{BOOKING}/tax", "phoneTax", f.tax),
    *_page(f"{BOOKING}/risk", "phoneRisk", f.risk),
    *_page(f"{BOOKING}/confirm", "phoneConfirm", f.confirm),
    *_page(f"{BOOKING}/appointment", "phoneAppointment", a.appointment, ("GET",)),
    *_page(f"{BOOKING}/reschedule", "phoneReschedule", b.reschedule),
    *_page(f"{BOOKING}/cancel", "phoneCancel", b.cancel, ("POST",)),
    *_page("/phone/agreements", "phoneAgreements", a.agreements, ("GET",)),
    *_page("/phone/agreements/{name}", "phoneAgreement", a.agreement, ("GET",)),
    *_page("/forms/{session_id}", "walkInForm", w.walk_in_form),
]
