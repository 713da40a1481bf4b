"""The payroll area's `Pages` (templates and texts over the web foundation) and what its handlers share: the
stores, who is signed in (a company agent, a member of staff with payroll checks, an employee's phone), and
the one place a payroll refusal becomes a message beside its field."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from central_service.auth import Principal, SignInLocked, SignInRefused
from central_service.auth.lockout import Lockout
from central_service.auth.signin import SignIn
from central_service.payroll.errors import PayrollError
from central_service.payroll.images import ImageVault, image_key
from central_service.payroll.opening import Opening
from central_service.payroll.store import AGENT_KIND, Agent, Batch, PayrollStore
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Permission, may
from central_service.web import Form, PageError, PageRequest, Pages

HERE = Path(__file__).resolve().parent
PAGES = Pages("payroll", HERE / "templates", HERE / "texts")
AGENT_SIGN_IN = "/payroll/agent/sign-in"
STAFF_SIGN_IN = "/payroll/staff/sign-in"


class NotSignedIn(Exception):
    """Nobody of the kind this page needs is signed in: the visitor goes to `sign_in` (303)."""

    def __init__(self, sign_in: str) -> None:
        super().__init__(sign_in)
        self.sign_in = sign_in


def page(handler: Callable[[PageRequest], Response]) -> Callable[[Request], Any]:
    """`PAGES.page` that sends a visitor who is not signed in to the right sign-in page instead of an error."""
    def guarded(req: PageRequest) -> Response:
        try:
            return handler(req)
        except NotSignedIn as exc:
            return req.redirect(exc.sign_in)

    guarded.__name__, guarded.__doc__ = handler.__name__, handler.__doc__
    return PAGES.page(guarded)
STAFF_KIND = "staff"
PER_PAGE = 50


def payroll(req: PageRequest) -> PayrollStore:
    return PayrollStore(req.central.store.db, req.central.store.clock)


def opening(req: PageRequest) -> Opening:
    return Opening(payroll(req), req.central.store, req.central.core)


def vault(req: PageRequest) -> ImageVault:
    store = req.central.store
    return ImageVault(store.db, image_key(store.secret), store.now)


def agent_sign_in(req: PageRequest) -> SignIn:
    return SignIn(payroll(req), Lockout(req.central.store.db))


def staff_sign_in(req: PageRequest) -> SignIn:
    return SignIn(StaffDirectory(req.central.store.db), Lockout(req.central.store.db))


def signed_in_agent(req: PageRequest) -> Agent:
    """The signed-in company agent. Raises NotSignedIn when none."""
    principal = req.session.principal or {}
    if principal.get("kind") != AGENT_KIND:
        raise NotSignedIn(AGENT_SIGN_IN)
    return payroll(req).agent(principal["id"])


def agents_batch(req: PageRequest) -> tuple[Agent, Batch]:
    """The batch in the path if it is the signed-in agent's company's. Raises NotSignedIn, PageError (403, 404)."""
    agent = signed_in_agent(req)
    try:
        return agent, payroll(req).batch_of_agent(agent, req.param("batch_id"))
    except PayrollError as exc:
        raise PageError(exc.status, f"err.{exc.code}") from None


def signed_in_officer(req: PageRequest) -> dict[str, str]:
    """The signed-in member of staff allowed payroll checks. Raises NotSignedIn, or PageError(403)."""
    principal = req.session.principal or {}
    if principal.get("kind") != STAFF_KIND:
        raise NotSignedIn(STAFF_SIGN_IN)
    if not may(frozenset(principal.get("roles", "").split(",")), Permission.PAYROLL_CHECKS):
        raise PageError(403, "teller.not_allowed")
    return principal


def refuse(form: Form, exc: PayrollError, default_field: str = "base") -> None:
    """Put a payroll refusal beside its field (its own text key `err.<code>`)."""
    field = exc.field or default_field
    form.fail(field, f"err.invalid_{field}" if exc.code == "invalid_field" else f"err.{exc.code}")


def pickup_secret(req: PageRequest, entry_id: str) -> str:
    """The secret of an employee's pickup link (texted by SMS): keyed by the store's secret, nothing stored."""
    digest = hmac.new(req.central.store.secret, f"payroll-pickup:{entry_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def int_param(text: str, default: int) -> int:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else default


def sign_in_page(req: PageRequest, sign_in: SignIn, who: str, home: str) -> Response:
    """The sign-in page of `who` (agent, teller): login, password, TOTP code; one message for anything wrong."""
    form = req.form
    if not req.is_post:
        return req.render("sign_in.html", form=form, who=who)
    try:
        principal: Principal = sign_in.authenticate(form.value("login"), form.value("password"), form.value("code"))
    except SignInLocked:
        form.fail("login", "agent.locked")
    except SignInRefused:
        form.fail("login", "agent.refused")
    else:
        req.sign_in(principal.kind, principal.id, branch_id=principal.branch_id, name=principal.name,
                    roles=",".join(sorted(principal.roles)))
        return req.redirect(home)
    form.values.pop("password", None)
    form.values.pop("code", None)
    return req.render("sign_in.html", status=422, form=form, who=who)


def audit(req: PageRequest, officer: dict[str, str], action: str, *, customer_ref: str | None = None,
          **detail: str) -> None:
    """One line of the staff audit log (who, what, when, which entry); references only, never personal data."""
    actor = Principal(officer["kind"], officer["id"], officer["branch_id"],
                      frozenset(r for r in officer.get("roles", "").split(",") if r), officer.get("name", ""))
    AuditLog(req.central.store.db, clock=req.central.store.clock).append(actor, action, customer_ref=customer_ref,
                                                                         detail=detail)
