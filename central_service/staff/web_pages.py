"""The staff area's pages object and who may open what: sign-in state, role checks, branch scoping.

Every staff page handler starts with `signed_in(req, permission)`: no principal sends the browser to the
sign-in page, a principal without the permission gets the 403 page. A principal carries one branch; every store
call of the pages is given `principal.branch_id`, so nobody reads another branch.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.responses import Response

from central_service.auth.principal import SESSION_KEY, Principal
from central_service.db import Database
from central_service.phone.branches import Network
from central_service.staff.directory import KIND, StaffDirectory
from central_service.staff.roles import Permission, Role, may
from central_service.web import PageError, PageRequest, Pages
from central_service.web.i18n import LOCALES

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parents[1] / "assets"
# Sections of the kiosk's catalogue the staff pages show too (one owner per text): the lobby manager's words for
# a reason, journey steps, outcomes, risk levels, tax statuses, occupations, devices and their states.
SHARED_SECTIONS = ("staff", "step", "outcome", "level", "tax_status", "occupation", "manager.device",
                   "manager.state", "path")


def _borrow_kiosk_texts(pages: Pages) -> Pages:
    for locale in LOCALES:
        data = tomllib.loads((ASSETS / "i18n" / f"{locale}.toml").read_text(encoding="utf-8"))
        shared = {}
        for section in SHARED_SECTIONS:
            table = data
            for part in section.split("."):
                table = table.get(part, {})
            shared.update({f"kiosk.{section}.{key}": str(v) for key, v in table.items() if isinstance(v, str)})
        pages.texts[locale].extend(shared)
    return pages


PAGES = _borrow_kiosk_texts(Pages("staff", HERE / "templates", HERE / "texts"))


@cache
def branch_zone() -> ZoneInfo:
    """The branches' time zone (the phone area's branch data owns it)."""
    return Network.load().zone


def local_time(value: object, form: str = "%m-%d %H:%M") -> str:
    """An ISO UTC time as the branch's local "MM-DD HH:MM" (empty for none or a text that is not a time)."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return moment.astimezone(branch_zone()).strftime(form)


def local_clock(value: object) -> str:
    """Today's times on the floor: the branch's local "HH:MM"."""
    return local_time(value, "%H:%M")


@pass_context
def kiosk_text(context: Context, section: str, key: str | None) -> str:
    """A text the kiosk's catalogue owns (a reason, step, device...), or the key itself if it has none."""
    texts = context["t"]
    wanted = f"kiosk.{section}.{key}"
    return texts(wanted) if key and texts.has(wanted) else (key or "")


@pass_context
def kiosk_reason(context: Context, reason: str) -> str:
    return kiosk_text(context, "staff", reason)


@pass_context
def role_name(context: Context, role: str) -> str:
    texts = context["t"]
    return texts(f"role.{role}") if texts.has(f"role.{role}") else role


def kiosk_name(floor: object, kiosk_id: str) -> str:
    return next((k.name for k in getattr(floor, "kiosks", []) if k.kiosk_id == kiosk_id), kiosk_id)


PAGES.env.filters.update(local_time=local_time, local_clock=local_clock, kiosk_reason=kiosk_reason,
                         role_name=role_name)
PAGES.env.globals.update(kiosk_text=kiosk_text, kiosk_reason=kiosk_reason, kiosk_name=kiosk_name)


class NotSignedIn(Exception):
    """No staff member is signed in on this session."""


def principal_of(req: PageRequest) -> Principal | None:
    principal = Principal.from_session(req.session.data.get(SESSION_KEY))
    return principal if principal is not None and principal.kind == KIND else None


def signed_in(req: PageRequest, permission: Permission | None = None) -> Principal:
    """The signed-in staff member, still active in the directory (a revoked account's sessions end at their next
    request). Raises NotSignedIn (caller redirects) or PageError 403."""
    principal = principal_of(req)
    if principal is not None and not still_active(req.central.store.db, principal):
        req.sign_out()
        principal = None
    if principal is None:
        raise NotSignedIn()
    if permission is not None and not may(principal.roles, permission):
        raise PageError(403, "staff.error.not_allowed")
    return principal


def still_active(db: Database, principal: Principal) -> bool:
    member = StaffDirectory(db).get(principal.id)
    return member is not None and not member.revoked and member.branch_id == principal.branch_id


def home_of(principal: Principal) -> str:
    """Where a staff member lands after sign-in: the counter for tellers, the floor for lobby managers."""
    if Role.TELLER.value in principal.roles or Role.PAYROLL_OFFICER.value in principal.roles:
        return "/staff/counter"
    return "/staff/floor"


def staff_page(handler):  # type: ignore[no-untyped-def]
    """`PAGES.page` that sends a visitor who is not signed in to the sign-in page."""
    def guarded(req: PageRequest) -> Response:
        try:
            return handler(req)
        except NotSignedIn:
            return req.redirect("/staff/sign-in")
    guarded.__name__, guarded.__doc__ = handler.__name__, handler.__doc__
    return PAGES.page(guarded)
