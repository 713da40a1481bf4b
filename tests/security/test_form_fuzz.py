"""Form fuzzing of every page endpoint: whatever is posted to any form the pages show, the answer is a page
(2xx/3xx, or a 4xx error page), never a 5xx, never a traceback. Forms are found by crawling the rendered pages
(form_fuzz.py), so pages that land later are fuzzed without editing this file."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from form_fuzz import Field, FormSpec, discover, page_paths, read_page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_service.app import routes
from central_service.auth import totp
from central_service.ids import make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.store import PayrollStore
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient

EXAMPLES_PER_FORM = 15
MAX_FORMS = 60  # per run: bounds the time whatever the pages grow into
PHONE = "13900001111"
PASSWORD = "correct horse battery staple"
NASTY = ["", " ", "0", "-1", "1" * 40, "９９", "'\"<script>alert(1)</script>", "../../etc/passwd", "%00", "\x00",
         "\u202e", "张" * 300, "a" * 5000, "13800138000", "11010519491231002X", "2026-02-30", "NaN", "true"]


def _sign_in_phone(service: RunningService, visitor: PageClient) -> None:
    visitor.get("/phone/sign-in")
    visitor.post("/phone/sign-in", {"phone": PHONE})
    code = service.central.sms.last(PHONE).body.split("验证码为")[1][:6]  # type: ignore[union-attr]
    assert visitor.post("/phone/sign-in/code", {"code": code}, follow=False).status_code == 303  # signed in


def _sign_in(visitor: PageClient, path: str, fields: dict[str, str], secret: str) -> None:
    visitor.get(path)
    signed = visitor.post(path, {**fields, "password": PASSWORD, "code": totp.code_now(secret)}, follow=False)
    assert signed.status_code == 303, signed.text[:300]


def _staff(role: Role) -> Callable[[RunningService, PageClient], None]:
    def sign_in(service: RunningService, visitor: PageClient) -> None:
        staff_id = f"F9{list(Role).index(role):02d}"
        secret = StaffDirectory(service.store.db).add(staff_id, "BJ001", "测试", frozenset({role}), PASSWORD)
        _sign_in(visitor, "/staff/sign-in", {"staff_id": staff_id}, secret)  # one sign-in for every role
    return sign_in


def _payroll_agent(service: RunningService, visitor: PageClient) -> None:
    payroll = PayrollStore(service.store.db, service.store.clock)
    company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", random.Random(5)),
                                       "3502031234567890", "BJ001", by="fuzz")
    payroll.accept_agreement(company.id, company_agreement(), by="fuzz")
    agent, secret = payroll.add_agent(company.id, "经办", "fuzz.agent", PASSWORD)
    payroll.create_batch(agent, "批次", "payroll_debit", payroll.today() + timedelta(days=5), 3)
    _sign_in(visitor, "/payroll/agent/sign-in", {"login": "fuzz.agent"}, secret)


# Who crawls and fuzzes: one session each. An area whose pages sit behind its own sign-in adds a visitor here.
VISITORS: dict[str, Callable[[RunningService, PageClient], None]] = {
    "anonymous": lambda service, visitor: None,
    "phone customer": _sign_in_phone,
    "teller": _staff(Role.TELLER),
    "lobby manager": _staff(Role.LOBBY_MANAGER),
    "payroll officer": _staff(Role.PAYROLL_OFFICER),
    "payroll agent": _payroll_agent,
}


@pytest.fixture(scope="module")
def fuzzed() -> set[str]:
    """Forms already fuzzed in this module: a public form (a sign-in page) is fuzzed once, not once per visitor."""
    return set()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with RunningService(sqlite_settings(Path(tmp))) as running:
        yield running


def _value(f: Field) -> st.SearchStrategy[str]:
    typical = [st.sampled_from(f.options)] if f.options else [st.just(f.value)] if f.value else []
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
    return st.one_of(*typical, st.sampled_from(NASTY), text)


def _fields(form: FormSpec) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Each field kept or dropped, given a typical or a hostile value, sometimes twice; sometimes a stranger."""
    per_field = [st.one_of(st.just([]), _value(f).map(lambda v, n=f.name: [(n, v)]),
                           st.lists(_value(f), min_size=2, max_size=3).map(lambda vs, n=f.name: [(n, v) for v in vs]))
                 for f in form.fields]
    extra = st.lists(st.tuples(st.sampled_from(["x", "csrf2", "__proto__", "lang"]), st.sampled_from(NASTY)),
                     max_size=2)
    return st.tuples(st.tuples(*per_field) if per_field else st.just(()), extra).map(
        lambda parts: [pair for group in parts[0] for pair in group] + parts[1])


def _check(response: requests.Response, form: FormSpec, sent: list[tuple[str, str]]) -> None:
    where = f"{form.key} with {sent!r:.300}"
    assert response.status_code < 500, f"{response.status_code} from {where}"
    if response.status_code >= 400:
        assert "text/html" in response.headers.get("content-type", ""), f"not a page: {where}"
    assert "Traceback" not in response.text, where


def _fuzz(visitor: PageClient, form: FormSpec) -> list[FormSpec]:
    """Fuzz one form; the forms the answers showed (further along the flow)."""
    seen: list[FormSpec] = []

    @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(sent=_fields(form), token=st.sampled_from(["page", "page", "page", "none", "forged"]))
    def one(sent: list[tuple[str, str]], token: str) -> None:
        visitor.get(form.page)  # the form as a person sees it: its current CSRF token
        csrf = {"page": None, "none": "", "forged": "x" * 43}[token]
        response = visitor.post(form.action, sent, csrf=csrf)
        _check(response, form, sent)
        if response.status_code == 200:
            seen.extend(read_page(response, form.action)[0])

    one()
    return seen


@pytest.mark.parametrize("who", list(VISITORS))
def test_every_form_answers_cleanly_whatever_is_posted(service: RunningService, fuzzed: set[str], who: str) -> None:
    visitor = PageClient(service.url)
    try:
        VISITORS[who](service, visitor)
        start = page_paths((r.path, m) for r in routes() for m in (r.methods or ()))
        queue = discover(visitor, start)
        assert queue, f"the crawl found no form at all (started from {start})"
        while queue and len(fuzzed) < MAX_FORMS:
            queue.sort(key=lambda f: "sign-out" in f.action)  # signing out last keeps the session
            form = queue.pop(0)
            if form.key not in fuzzed:
                fuzzed.add(form.key)
                queue += _fuzz(visitor, form)
    finally:
        visitor.close()
