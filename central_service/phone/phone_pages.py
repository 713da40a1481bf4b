"""The phone area's `Pages` (its templates and texts over the web foundation) and what its handlers share:
the signed-in phone, the branch network, the bookings, the kiosk catalogue's shared texts."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from central_service.phone.bookings import Booking, Bookings
from central_service.phone.branches import Network
from central_service.web import PageError, PageRequest, Pages
from central_service.web.i18n import LOCALES

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parents[1] / "assets"
# Sections of the kiosk's catalogue the pages show too (one owner per text): occupations, risk questions,
# answers and levels, services, tax statuses. Read as "kiosk.<section>.<key>".
SHARED_SECTIONS = ("occupation", "question", "level", "service", "tax_status")


def _with_shared_texts(pages: Pages) -> Pages:
    for locale in LOCALES:
        data = tomllib.loads((ASSETS / "i18n" / f"{locale}.toml").read_text(encoding="utf-8"))
        shared = {f"kiosk.{section}.{key}": str(value) for section in SHARED_SECTIONS
                  for key, value in data.get(section, {}).items()}
        shared.update({f"kiosk.text.{key}": str(value) for key, value in data.get("text", {}).items()
                       if key.startswith("risk_")})
        pages.texts[locale].extend(shared)
    return pages


PAGES = _with_shared_texts(Pages("phone", HERE / "templates", HERE / "texts"))


@cache
def network() -> Network:
    return Network.load()


def bookings(req: PageRequest) -> Bookings:
    return Bookings(req.central.store)


def signed_in_phone(req: PageRequest) -> str:
    """The signed-in mobile number. Raises PageError(401) when nobody signed in (the page links to sign-in)."""
    principal = req.session.principal
    if not principal or principal.get("kind") != "phone":
        raise PageError(401, "sign_in.needed")
    return principal["id"]


def own_booking(req: PageRequest) -> Booking:
    """The booking in the path, if it is the signed-in phone's. Raises PageError (401, 404)."""
    found = bookings(req).get(req.param("booking_id"), signed_in_phone(req))
    if found is None:
        raise PageError(404, "error.not_found")
    return found


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
