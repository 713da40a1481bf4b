"""Branch IT's page of the branch's staff accounts: who has which roles and a kiosk PIN, and revoke (POST,
audited): the account's web sessions end and its PIN stops working at the branch's kiosks within a minute.
Adding accounts stays on the command line (`central staff add`), where the TOTP secret is shown once."""

from __future__ import annotations

from starlette.responses import Response

from central_service.staff.audit import AuditLog
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Permission
from central_service.staff.web_pages import signed_in, staff_page
from central_service.web import PageError, PageRequest


@staff_page
def directory(req: PageRequest) -> Response:
    principal = signed_in(req, Permission.MANAGE_STAFF)
    members = StaffDirectory(req.central.store.db).members(principal.branch_id)
    return req.render("directory.html", members=members, me=principal)


@staff_page
def revoke(req: PageRequest) -> Response:
    """GET: asks once (revoking cannot be undone here); POST: revokes."""
    principal = signed_in(req, Permission.MANAGE_STAFF)
    staff = StaffDirectory(req.central.store.db, clock=req.central.store.clock)
    member = staff.get(req.param("staff_id"))
    if member is None or member.branch_id != principal.branch_id:
        raise PageError(404, "error.not_found")  # another branch's account does not exist here
    if member.staff_id == principal.id or member.revoked:
        raise PageError(400, "staff.error.bad_request")  # nobody locks themselves out by a click
    if not req.is_post:
        return req.render("revoke.html", member=member, me=principal)
    staff.revoke(member.staff_id)
    AuditLog(req.central.store.db, clock=req.central.store.clock).append(
        principal, "staff_revoke", detail={"staff_id": member.staff_id})
    return req.redirect("/staff/directory")
