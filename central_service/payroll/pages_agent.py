"""The employer portal (desktop): an agent signs in with password + TOTP, accepts the company-bank agreement
once, creates batches, prints the batch QR poster, watches the fill-in, reviews the masked list (correct,
remove, return with a reason), confirms and submits (the batch freezes), and reads the results."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response

from central_service.payroll import exports, poster
from central_service.payroll.agreement import company_agreement
from central_service.payroll.errors import PayrollError
from central_service.payroll.opening import batch_token
from central_service.payroll.pages_common import (
    PER_PAGE,
    agent_sign_in,
    agents_batch,
    int_param,
    page,
    payroll,
    refuse,
    sign_in_page,
    signed_in_agent,
)
from central_service.payroll.people import employee_from_form
from central_service.payroll.states import Action, BatchState, EntryState
from central_service.payroll.store import CARD_PRODUCTS
from central_service.web import Form, PageError, PageRequest

HOME = "/payroll/agent"


@page
def sign_in(req: PageRequest) -> Response:
    """Sign-in name, password and the 6-digit code of the authenticator app."""
    return sign_in_page(req, agent_sign_in(req), "agent", HOME)


@page
def sign_out(req: PageRequest) -> Response:
    req.sign_out()
    return req.redirect("/payroll/agent/sign-in")


@page
def home(req: PageRequest) -> Response:
    """The company's batches and a form for a new one; the agreement first if the company has not accepted."""
    agent = signed_in_agent(req)
    store = payroll(req)
    company = store.company(agent.company_id)
    if company.agreement_version is None:
        return req.redirect("/payroll/agent/agreement")
    form = req.form
    if req.is_post:
        try:
            deadline = date.fromisoformat(form.value("deadline"))
        except ValueError:
            form.fail("deadline", "batch.deadline_bad")
        headcount = int_param(form.value("expected_headcount"), 0)
        if form.ok:
            try:
                batch = store.create_batch(agent, form.value("name"), form.value("card_product"), deadline,
                                           headcount)
            except PayrollError as exc:
                refuse(form, exc)
            else:
                return req.redirect(f"/payroll/agent/batches/{batch.id}")
    batches = [(b, sum(n for state, n in store.progress(b.id).items() if state is not EntryState.REMOVED))
               for b in store.batches_of_company(company.id)]
    return req.render("agent_home.html", status=422 if form.errors else 200, form=form, company=company,
                      batches=batches, products=[(p, req.t(f"product.{p}")) for p in CARD_PRODUCTS], agent=agent)


@page
def agreement(req: PageRequest) -> Response:
    """The company-bank agreement, accepted once for the company by its agent."""
    agent = signed_in_agent(req)
    text = company_agreement(req.locale)
    form = req.form
    if req.is_post:
        if form.value("accept") != "yes":
            form.fail("accept", "agreement.must_accept")
        else:
            payroll(req).accept_agreement(agent.company_id, company_agreement("zh_CN"), by=agent.id)
            return req.redirect(HOME)
    return req.render("agent_agreement.html", status=422 if form.errors else 200, form=form, text=text)


@page
def batch(req: PageRequest) -> Response:
    """Fill-in progress, the paged masked list with its actions, the submission, the results."""
    agent, found = agents_batch(req)
    store = payroll(req)
    page = store.page(found.id, int_param(req.query("page"), 1), PER_PAGE)
    statuses = _appointment_statuses(req, [e.appointment_id for e in page.entries if e.appointment_id])
    results = {e.id: exports.result_status(e.state, statuses.get(e.appointment_id or "")) for e in page.entries}
    return req.render("agent_batch.html", form=req.form, batch=found, page=page, results=results,
                      progress=store.progress(found.id), company=store.company(found.company_id),
                      open=found.state is BatchState.OPEN, EntryState=EntryState, agent=agent)


def _appointment_statuses(req: PageRequest, ids: list[str]) -> dict[str, str]:
    found = {}
    for appointment_id in ids:
        doc = req.central.store.get_appointment(appointment_id)
        if doc is not None:
            found[appointment_id] = doc["status"]
    return found


@page
def entry_action(req: PageRequest) -> Response:
    """Return (with a reason) or remove one entry; the list page again with the outcome."""
    agent, found = agents_batch(req)
    action = {"return": Action.AGENT_RETURN, "remove": Action.REMOVE}.get(req.form.value("action"))
    if action is None:
        raise PageError(400, "error.not_found")
    try:
        payroll(req).change_entry(found.id, req.param("entry_id"), action, reason=req.form.value("reason"),
                                  expect_company=agent.company_id)
    except PayrollError as exc:
        form = Form()
        refuse(form, exc, "reason")
        store = payroll(req)
        page = store.page(found.id, 1, PER_PAGE)
        return req.render("agent_batch.html", status=exc.status, form=form, batch=store.batch(found.id), page=page,
                          results={}, progress=store.progress(found.id), company=store.company(found.company_id),
                          open=found.state is BatchState.OPEN, EntryState=EntryState, agent=agent)
    return req.redirect(f"/payroll/agent/batches/{found.id}?page={int_param(req.form.value('page'), 1)}")


@page
def entry_correct(req: PageRequest) -> Response:
    """Correct an employee's details (the full data, shown only here)."""
    agent, found = agents_batch(req)
    store = payroll(req)
    entry_id = req.param("entry_id")
    form = req.form
    if req.is_post:
        try:
            employee = employee_from_form(form.values, store.today())
            store.change_entry(found.id, entry_id, Action.CORRECT, employee=employee,
                               expect_company=agent.company_id)
        except PayrollError as exc:
            refuse(form, exc)
        else:
            return req.redirect(f"/payroll/agent/batches/{found.id}")
        return req.render("agent_correct.html", status=422, form=form, batch=found)
    person = store.employee(entry_id)
    form = Form.filled({**person.to_doc(), "id_long_term": "on" if person.id_expiry is None else None})
    return req.render("agent_correct.html", form=form, batch=found)


@page
def submit(req: PageRequest) -> Response:
    """Confirm the list as reviewed (its revision) and submit: the batch freezes."""
    agent, found = agents_batch(req)
    form = req.form
    if form.value("confirm") != "yes":
        form.fail("confirm", "batch.must_confirm")
    else:
        try:
            payroll(req).submit(agent, found.id, int_param(form.value("revision"), -1))
        except PayrollError as exc:
            refuse(form, exc, "confirm")
    if form.errors:
        store = payroll(req)
        page = store.page(found.id, 1, PER_PAGE)
        current = store.batch(found.id)
        return req.render("agent_batch.html", status=409, form=form, batch=current, page=page, results={},
                          progress=store.progress(found.id), company=store.company(found.company_id),
                          open=current.state is BatchState.OPEN, EntryState=EntryState, agent=agent)
    return req.redirect(f"/payroll/agent/batches/{found.id}")


def _poster(req: PageRequest):  # type: ignore[no-untyped-def]
    _, found = agents_batch(req)
    central = req.central
    token = batch_token(central.signing_keys[0], found, central.store.clock())
    company = payroll(req).company(found.company_id)
    link = poster.poster_link(str(req.request.base_url), token)
    return poster.poster_image(link, bank=req.t("layout.bank"), company=company.name, batch=found.name,
                               deadline=req.t("poster.deadline", date=found.deadline.isoformat()),
                               lines=[req.t("poster.line1"), req.t("poster.line2"), req.t("poster.line3")])


@page
def poster_png(req: PageRequest) -> Response:
    return Response(poster.png_bytes(_poster(req)), media_type="image/png")


@page
def poster_pdf(req: PageRequest) -> Response:
    return Response(poster.pdf_bytes(_poster(req)), media_type="application/pdf",
                    headers={"Content-Disposition": 'attachment; filename="payroll-poster.pdf"'})


@page
def results_csv(req: PageRequest) -> Response:
    """The results file: one row per employee (collected / pending / returned with reason ...)."""
    _, found = agents_batch(req)
    store = payroll(req)
    ids = [e.appointment_id for e, _ in store.with_employees(found.id, (EntryState.OPENED,)) if e.appointment_id]
    data = exports.results_csv(store, found.id, _appointment_statuses(req, ids))
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="results-{found.id}.csv"'})


@page
def batch_file(req: PageRequest) -> Response:
    """The electronic batch file of a submitted batch (docs/payroll-batch-file.md)."""
    _, found = agents_batch(req)
    if found.state is BatchState.OPEN:
        raise PageError(409, "batch.not_submitted")
    return Response(exports.batch_file_bytes(payroll(req), found.id), media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{found.id}.txt"'})
