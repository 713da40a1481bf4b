"""The employee's phone pages, reached from the batch QR: the mobile verified by an SMS code (the phone pages'
sign-in), personal data with the booking form's rules, the payroll agreement and the personal-data consent,
the ID card images (front and back, encrypted), and the entry's status; after approval, the pickup QR."""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from central_api_client import tokens
from central_service.payroll import images
from central_service.payroll.errors import InvalidField, NotFound, PayrollError
from central_service.payroll.images import ImageVault, image_key
from central_service.payroll.pages_common import PAGES, NotSignedIn, page, payroll, pickup_secret, refuse, vault
from central_service.payroll.people import employee_from_form
from central_service.payroll.states import BatchState, EntryState
from central_service.payroll.store import Batch, Entry, PayrollStore
from central_service.web import Form, PageError, PageRequest
from central_service.web.i18n import LANG_COOKIE, pick_locale
from central_service.web.pages import _csrf_ok
from central_service.web.sessions import COOKIE_NAME, WebSessions

AGREEMENTS = Path(__file__).resolve().parents[2] / "assets" / "agreements"
MAX_UPLOAD = 2 * images.MAX_BYTES + 64 * 1024
JOIN = "/payroll/join"


@page
def batch_link(req: PageRequest) -> Response:
    """The poster's QR link: check the batch token, remember the batch, verify the mobile first."""
    try:
        token = _batch_token(req, req.param("token"))
    except tokens.Expired:
        raise PageError(410, "err.link_expired") from None
    except tokens.TokenError:
        raise PageError(404, "err.link_invalid") from None
    if token.kind is not tokens.TokenKind.PAYROLL_BATCH:
        raise PageError(404, "err.link_invalid")
    req.session.set("payroll_batch", token.appointment_id)
    principal = req.session.principal or {}
    if principal.get("kind") != "phone":
        req.session.set("after_sign_in", JOIN)
        return req.redirect("/phone/sign-in")
    return req.redirect(JOIN)


def _batch_token(req: PageRequest, text: str) -> tokens.AppointmentToken:
    """The authentic token of any branch (a poster works wherever its batch is). Raises TokenError."""
    try:
        return tokens.verify(text, req.central.key_ring(), branch_id="", now=req.central.store.clock(),
                             consume=None)
    except tokens.WrongBranch as exc:  # raised only after the signature and validity checks passed
        assert exc.token is not None
        return exc.token


def _joining(req: PageRequest) -> tuple[str, Batch]:
    """The verified mobile and the batch from the QR. Raises PageError (401 not verified, 404 no batch)."""
    principal = req.session.principal or {}
    batch_id = req.session.data.get("payroll_batch")
    if not batch_id:
        raise PageError(404, "err.link_invalid")
    if principal.get("kind") != "phone":
        req.session.set("after_sign_in", JOIN)
        raise NotSignedIn("/phone/sign-in")
    try:
        return principal["id"], payroll(req).batch(batch_id)
    except NotFound:
        raise PageError(404, "err.link_invalid") from None


@page
def join(req: PageRequest) -> Response:
    """Personal data, the payroll agreement and the consent: one entry per ID number per batch."""
    mobile, found = _joining(req)
    store = payroll(req)
    company = store.company(found.company_id)
    form = req.form if req.is_post else _returned_entry_form(req, store)
    if req.is_post:
        for box in ("agree", "consent"):
            if form.value(box) != "yes":
                form.fail(box, f"employee.must_{box}")
        try:
            employee = employee_from_form({**form.values, "mobile": mobile}, store.today())
        except PayrollError as exc:
            refuse(form, exc)
        if form.ok:
            try:
                entry = store.add_entry(found.id, employee)
            except PayrollError as exc:
                refuse(form, exc)
            else:
                req.session.set("payroll_entry", entry.id)
                return req.redirect(f"{JOIN}/images")
    return req.render("employee_join.html", status=422 if form.errors else 200, form=form, batch=found,
                      company=company, open=found.state is BatchState.OPEN and store.today() <= found.deadline,
                      agreement=(AGREEMENTS / f"payroll_agreement.{req.locale}.txt").read_text(encoding="utf-8"),
                      consent=(AGREEMENTS / f"privacy_notice.{req.locale}.txt").read_text(encoding="utf-8"))


def _returned_entry_form(req: PageRequest, store: PayrollStore) -> Form:
    """The employee's own details again when their entry came back, so only what was wrong is retyped."""
    entry_id = req.session.data.get("payroll_entry")
    if not entry_id or store.entry(entry_id).state is not EntryState.RETURNED:
        return Form()
    person = store.employee(entry_id)
    return Form.filled({"name": person.name, "id_number": person.id_number,
                        "id_expiry": person.id_expiry.isoformat() if person.id_expiry else None,
                        "id_long_term": ["on"] if person.id_expiry is None else [],
                        "employee_number": person.employee_number})


def _own_entry(req: PageRequest) -> Entry:
    _joining(req)
    entry_id = req.session.data.get("payroll_entry")
    if not entry_id:
        raise PageError(404, "employee.no_entry")
    return payroll(req).entry(entry_id)


@page
def images_page(req: PageRequest) -> Response:
    """The upload form (a multipart POST goes to `upload_images`, which checks CSRF the same way)."""
    entry = _own_entry(req)
    errors = req.session.pop("payroll_upload_errors") or {}
    form = Form(errors=dict(errors))
    return req.render("employee_images.html", status=422 if errors else 200, form=form, entry=entry,
                      sides=vault(req).sides(entry.id), max_mb=images.MAX_BYTES // (1024 * 1024))


async def upload_images(request: Request) -> Response:
    """The ID images' multipart POST (the foundation's page forms are urlencoded only): the same session and
    CSRF rules as every page form, the foundation's cookies and headers on the answer; each side's type and size
    checked from its bytes, stored encrypted; then the upload page again (303) with any message, or the status."""
    sessions = WebSessions(request.app.state.central.store.db)
    session = await run_in_threadpool(sessions.load, request.cookies.get(COOKIE_NAME))
    if session is None:
        return RedirectResponse(JOIN, status_code=303)
    req = PageRequest(request, PAGES, session, sessions, pick_locale(None, request.cookies.get(LANG_COOKIE)), Form())
    try:
        if int(request.headers.get("content-length") or MAX_UPLOAD + 1) > MAX_UPLOAD:
            raise HTTPException(413)  # both photos at their largest, and the form around them: nothing bigger is read
        async with request.form(max_files=2, max_fields=4, max_part_size=images.MAX_BYTES + 1024) as form:
            pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
            if not _csrf_ok(request, session, pairs):
                return await run_in_threadpool(PAGES._finish, req, req.render(
                    "error.html", status=403, message_key="error.forbidden"))
            uploads = {side: await f.read(images.MAX_BYTES + 1) for side in images.SIDES
                       if isinstance(f := form.get(f"id_{side}"), UploadFile)}
    except (HTTPException, ValueError):  # too big, a part over a limit, or a body that is not multipart
        uploads, errors = {}, {"id_front": "employee.image_bad"}
    else:
        errors = await run_in_threadpool(_store_images, request, session.data.get("payroll_entry"), uploads)
    session.csrf_token = secrets.token_urlsafe(32)  # one post per token, as on every page form
    session.dirty = True
    if errors:
        session.set("payroll_upload_errors", errors)
    target = f"{JOIN}/images" if errors else f"{JOIN}/status"
    return await run_in_threadpool(PAGES._finish, req, RedirectResponse(target, status_code=303))


def _store_images(request: Request, entry_id: str | None, uploads: dict[str, bytes]) -> dict[str, str]:
    central = request.app.state.central
    if not entry_id:
        return {"id_front": "employee.no_entry"}
    store = central.store
    kept = ImageVault(store.db, image_key(store.secret), store.now)
    errors = {}
    for side in images.SIDES:
        data = uploads.get(side, b"")
        if not data and side in kept.sides(entry_id):
            continue
        try:
            kept.put(entry_id, side, data)
        except InvalidField as exc:
            errors[exc.field or f"id_{side}"] = f"employee.image_{'missing' if not data else 'bad'}"
    return errors


@page
def status(req: PageRequest) -> Response:
    """Where the entry stands; a returned entry can be filled in again while the batch is open."""
    entry = _own_entry(req)
    found = payroll(req).batch(entry.batch_id)
    pickup = None
    if entry.state is EntryState.OPENED:
        pickup = f"/payroll/pickup/{entry.id}?k={pickup_secret(req, entry.id)}"
    return req.render("employee_status.html", entry=entry, batch=found, pickup=pickup,
                      sides=vault(req).sides(entry.id), can_refill=entry.state is EntryState.RETURNED
                      and found.state is BatchState.OPEN)
