"""The teller's payroll check (desktop), for staff whose role grants payroll checks: register a company and its
agents, open a submitted batch, compare each entry with its ID images, verify or return it with a reason, check
the electronic batch file, approve (the accounts open in one core call; each opened employee gets the pickup
link by SMS), and retry employees the core did not answer for.

Why here and not in the counter pages: the counter area had no page for it when this was built; the sign-in is
the shared one (auth/ over the staff directory), so moving these pages there later is a matter of routes.
"""

from __future__ import annotations

from starlette.responses import Response

from central_service.auth import totp
from central_service.payroll import batch_file, exports
from central_service.payroll.agreement import company_agreement
from central_service.payroll.errors import PayrollError
from central_service.payroll.opening import OpeningReport
from central_service.payroll.pages_common import (
    PER_PAGE,
    STAFF_SIGN_IN,
    audit,
    int_param,
    opening,
    page,
    payroll,
    pickup_secret,
    refuse,
    sign_in_page,
    signed_in_officer,
    staff_sign_in,
    vault,
)
from central_service.payroll.poster import qr_data_url
from central_service.payroll.states import Action, BatchState, EntryState
from central_service.sms import SmsError
from central_service.web import Form, PageError, PageRequest

HOME = "/payroll/staff"
SMS_TEXT = {"zh_CN": "【{bank}】{company}代发工资卡已开户。请携带本人身份证到网点自助机扫码领卡：{url}",
            "en": "[{bank}] Your {company} payroll account is open. Bring your ID card to a branch kiosk and "
                  "scan: {url}"}


@page
def sign_in(req: PageRequest) -> Response:
    return sign_in_page(req, staff_sign_in(req), "teller", HOME)


@page
def sign_out(req: PageRequest) -> Response:
    req.sign_out()
    return req.redirect(STAFF_SIGN_IN)


@page
def home(req: PageRequest) -> Response:
    """Submitted and approved batches of the branch; register a company; add an agent."""
    officer = signed_in_officer(req)
    store = payroll(req)
    form, created = req.form, None
    if req.is_post and form.value("what") == "company":
        try:
            company = store.register_company(form.value("name"), form.value("uscc"), form.value("payroll_account"),
                                             officer["branch_id"], by=officer["id"])
        except PayrollError as exc:
            refuse(form, exc)
        else:
            created = {"company": company}
            audit(req, officer, "payroll.company_registered", company=company.id)
    elif req.is_post and form.value("what") == "agent":
        try:
            agent, secret = store.add_agent(form.value("company_id"), form.value("agent_name"),
                                            form.value("login"), form.value("password"))
        except PayrollError as exc:
            refuse(form, exc, "login")
        else:
            audit(req, officer, "payroll.agent_added", company=agent.company_id, agent=agent.id)
            created = {"agent": agent, "secret": secret,
                       "qr": qr_data_url(totp.provisioning_uri(secret, agent.login))}
    branch = officer["branch_id"]
    batches = {state: store.batches_in_state(branch, state) for state in (BatchState.SUBMITTED, BatchState.APPROVED)}
    return req.render("teller_home.html", status=422 if form.errors else 200, form=form if form.errors else Form(),
                      created=created, batches=batches,
                      companies_options=[(c.id, c.name) for c in store.companies_of_branch(branch)],
                      agreement_version=company_agreement().version)


def _batch(req: PageRequest):  # type: ignore[no-untyped-def]
    officer = signed_in_officer(req)
    try:
        found = payroll(req).batch(req.param("batch_id"))
    except PayrollError as exc:
        raise PageError(exc.status, f"err.{exc.code}") from None
    if found.branch_id != officer["branch_id"]:
        raise PageError(404, "err.not_found")
    return officer, found


@page
def batch(req: PageRequest) -> Response:
    """The entries with their ID images, the batch file's check, approval and its results."""
    _, found = _batch(req)
    return _render_batch(req, found, req.form)


def _render_batch(req: PageRequest, found, form: Form, report: OpeningReport | None = None,  # type: ignore[no-untyped-def]
                  status: int = 200, unsent: int = 0) -> Response:
    store = payroll(req)
    page = store.page(found.id, int_param(req.query("page"), 1), PER_PAGE)
    problems = batch_file.validate(exports.batch_file_bytes(store, found.id))
    kept = vault(req)
    return req.render("teller_batch.html", status=status, form=form, batch=found, page=page,
                      progress=store.progress(found.id), company=store.company(found.company_id),
                      problems=problems, sides={e.id: kept.sides(e.id) for e in page.entries}, report=report,
                      unsent=unsent,
                      EntryState=EntryState, BatchState=BatchState)


@page
def entry_decision(req: PageRequest) -> Response:
    """Verify one entry, or return it with a reason."""
    officer, found = _batch(req)
    action = {"verify": Action.VERIFY, "return": Action.TELLER_RETURN}.get(req.form.value("action"))
    if action is None:
        raise PageError(400, "error.not_found")
    try:
        payroll(req).change_entry(found.id, req.param("entry_id"), action, reason=req.form.value("reason"))
    except PayrollError as exc:
        form = Form()
        refuse(form, exc, "reason")
        return _render_batch(req, payroll(req).batch(found.id), form, status=exc.status)
    audit(req, officer, f"payroll.entry_{action.value}", customer_ref=req.param("entry_id"), batch=found.id)
    return req.redirect(f"{HOME}/batches/{found.id}?page={int_param(req.form.value('page'), 1)}")


@page
def approve(req: PageRequest) -> Response:
    """Approve (or retry the opening of an approved batch): one core call; the pickup link texted to each
    newly opened employee."""
    officer, found = _batch(req)
    form = Form()
    try:
        if found.state is BatchState.APPROVED:
            report = opening(req).open_waiting(found.id)
        else:
            report = opening(req).approve(found.id, by=officer["id"])
    except PayrollError as exc:
        refuse(form, exc, "approve")
        return _render_batch(req, payroll(req).batch(found.id), form, status=exc.status)
    audit(req, officer, "payroll.batch_opened", batch=found.id, opened=str(len(report.opened)),
          refused=str(len(report.refused)), waiting=str(len(report.waiting)))
    unsent = _text_pickup_links(req, found, report)
    return _render_batch(req, payroll(req).batch(found.id), form, report, unsent=unsent)


def _text_pickup_links(req: PageRequest, found, report: OpeningReport) -> int:  # type: ignore[no-untyped-def]
    """Text each newly opened employee the pickup link; the number the gateway refused (the accounts are open
    either way: the employee also finds the link on the status page)."""
    store = payroll(req)
    refused = 0
    company = store.company(found.company_id)
    base = str(req.request.base_url).rstrip("/")
    for entry_id in report.opened:
        person = store.employee(entry_id)
        url = f"{base}/payroll/pickup/{entry_id}?k={pickup_secret(req, entry_id)}"
        text = SMS_TEXT.get(req.locale, SMS_TEXT["zh_CN"]).format(bank=req.t("layout.bank"), company=company.name,
                                                                  url=url)
        try:
            req.central.sms.send(person.mobile, text)
        except SmsError:
            refused += 1
    return refused


@page
def entry_image(req: PageRequest) -> Response:
    """One side of an entry's ID card, for the signed-in payroll officer only (never cached, never logged; every
    view is in the audit log)."""
    officer, found = _batch(req)
    entry = payroll(req).entry(req.param("entry_id"))
    if entry.batch_id != found.id:
        raise PageError(404, "err.not_found")
    image = vault(req).get(entry.id, req.param("side"))
    if image is None:
        raise PageError(404, "err.not_found")
    audit(req, officer, "payroll.id_image_viewed", customer_ref=entry.id, side=req.param("side"))
    return Response(image[1], media_type=image[0])


@page
def batch_file_download(req: PageRequest) -> Response:
    _, found = _batch(req)
    return Response(exports.batch_file_bytes(payroll(req), found.id), media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{found.id}.txt"'})
