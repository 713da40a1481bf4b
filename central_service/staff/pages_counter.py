"""The teller's desk pages: find a customer, see their shared data (full numbers only for a role that may, each
full view audited), and the hand-off queue of kiosk sessions to take over and mark served."""

from __future__ import annotations

from starlette.responses import Response

from central_service.staff import customers
from central_service.staff.audit import AuditLog
from central_service.staff.floor_view import kiosk_names
from central_service.staff.handoffs import HandoffNotFound, Handoffs
from central_service.staff.roles import Permission, may
from central_service.staff.web_pages import signed_in, staff_page
from central_service.web import Form, PageError, PageRequest


@staff_page
def counter(req: PageRequest) -> Response:
    """Search and the hand-off queue. The search is a POST: a mobile or ID number never sits in a URL (access logs,
    browser history), and the answer is rendered to the POST itself."""
    principal = signed_in(req, Permission.FIND_CUSTOMER)
    query = req.form.value("q")[:40] if req.is_post else ""
    form, matches = Form.filled({"q": query}), None
    if query:
        try:
            matches = customers.find(req.central.store, principal.branch_id, query)
        except customers.QueryNotUnderstood:
            form.fail("q", "counter.query_not_understood")
    queue = Handoffs(req.central.store.db).queue(principal.branch_id) \
        if may(principal.roles, Permission.HANDOFFS) else None
    return req.render("counter.html", status=422 if form.errors else 200, form=form, matches=matches,
                      queue=queue, me=principal, kiosk_names=kiosk_names(req.central.store.db, principal.branch_id))


def _appointment(req: PageRequest, branch_id: str) -> dict:
    doc = req.central.store.get_appointment(req.param("appointment_id"))
    if doc is None or doc["branch_id"] != branch_id:
        raise PageError(404, "error.not_found")  # another branch's customer does not exist for this teller
    return doc


@staff_page
def customer(req: PageRequest) -> Response:
    """The customer, masked; a teller can ask for the full numbers (a POST, audited)."""
    principal = signed_in(req, Permission.FIND_CUSTOMER)
    doc = _appointment(req, principal.branch_id)
    return req.render("customer.html", record=customers.customer_record(doc, full=False), me=principal,
                      may_see_full=may(principal.roles, Permission.SEE_FULL_NUMBERS))


@staff_page
def customer_full(req: PageRequest) -> Response:
    """The full numbers, answered to the POST itself (never a URL to bookmark or cache), and written to the
    audit log; refused, and written too, for a role without the permission."""
    principal = signed_in(req, Permission.FIND_CUSTOMER)
    doc = _appointment(req, principal.branch_id)
    audit = AuditLog(req.central.store.db, clock=req.central.store.clock)
    if not may(principal.roles, Permission.SEE_FULL_NUMBERS):
        audit.append(principal, "view_full_refused", customer_ref=doc["id"])
        raise PageError(403, "staff.error.not_allowed")
    audit.append(principal, "view_full", customer_ref=doc["id"],
                 detail={"fields": ["name", "id_number", "phone", "address", "tin"]})
    return req.render("customer.html", record=customers.customer_record(doc, full=True), me=principal,
                      may_see_full=True)


@staff_page
def handoff_action(req: PageRequest) -> Response:
    """Take over or mark served (POST); the queue shows the change to every teller of the branch."""
    principal = signed_in(req, Permission.HANDOFFS)
    action = req.param("action")
    handoffs = Handoffs(req.central.store.db, clock=req.central.store.clock)
    try:
        handoff = handoffs.get(principal.branch_id, req.param("handoff_id"))
        if action == "take":
            handoffs.take(principal.branch_id, handoff.handoff_id, principal.id)
        elif action == "serve":
            handoffs.serve(principal.branch_id, handoff.handoff_id, principal.id)
        else:
            raise PageError(404, "error.not_found")
    except HandoffNotFound:
        raise PageError(404, "error.not_found") from None
    AuditLog(req.central.store.db, clock=req.central.store.clock).append(
        principal, f"handoff_{action}", customer_ref=handoff.appointment_id or handoff.session_id,
        detail={"handoff_id": handoff.handoff_id})
    return req.redirect("/staff/counter#handoffs")
