"""Staff sign-in and sign-out: staff id, password and the authenticator app's code; lock-out after repeated
failures (central_service.auth). One message for every failure, so nothing tells which part was wrong."""

from __future__ import annotations

from starlette.responses import Response

from central_service.auth import SignIn, SignInLocked, SignInRefused
from central_service.auth.lockout import Lockout
from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory
from central_service.staff.web_pages import PAGES, home_of, principal_of
from central_service.web import PageRequest

FIELDS = ("staff_id", "password", "code")


@PAGES.page
def sign_in(req: PageRequest) -> Response:
    """GET: the form (or the signed-in person's home); POST: check and sign in."""
    signed = principal_of(req)
    if signed is not None and not req.is_post:
        return req.redirect(home_of(signed))
    form = req.form
    if not req.is_post:
        return req.render("sign_in.html", form=form)
    for name in FIELDS:
        if not form.value(name).strip():
            form.fail(name, f"sign_in.{name}_missing")
    if form.ok:
        db = req.central.store.db
        try:
            principal = SignIn(StaffDirectory(db), Lockout(db)).authenticate(
                form.value("staff_id").strip().upper(), form.value("password"), form.value("code"))
        except SignInLocked:
            form.fail("staff_id", "sign_in.locked")
        except SignInRefused:
            form.fail("staff_id", "sign_in.refused")
        else:
            session = principal.to_session()  # the shape every area reads (payroll's teller pages too)
            req.sign_in(session.pop("kind"), session.pop("id"), **session)  # rotates the session id and token
            AuditLog(db, clock=req.central.store.clock).append(principal, "sign_in")
            return req.redirect(home_of(principal))
    return req.render("sign_in.html", status=422, form=form)  # the template never echoes the password


@PAGES.page
def sign_out(req: PageRequest) -> Response:
    principal = principal_of(req)
    if principal is not None:
        AuditLog(req.central.store.db, clock=req.central.store.clock).append(principal, "sign_out")
    req.sign_out()
    return req.redirect("/staff/sign-in")
