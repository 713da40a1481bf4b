"""Form fuzzing of every page endpoint: whatever is posted to any form the pages show, the answer is a page
(2xx/3xx, or a 4xx error page), never a 5xx, never a traceback. Forms are found by crawling the rendered pages
(form_fuzz.py), so pages that land later are fuzzed without editing this file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from form_fuzz import Field, FormSpec, discover, page_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_service.app import routes
from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient

EXAMPLES_PER_FORM = 25
PHONE = "13900001111"
NASTY = ["", " ", "0", "-1", "1" * 40, "９９", "'\"<script>alert(1)</script>", "../../etc/passwd", "%00", "\x00",
         "\u202e", "张" * 300, "a" * 5000, "13800138000", "11010519491231002X", "2026-02-30", "NaN", "true"]


def _sign_in_phone(service: RunningService, visitor: PageClient) -> None:
    visitor.get("/phone/sign-in")
    visitor.post("/phone/sign-in", {"phone": PHONE})
    code = service.central.sms.last(PHONE).body.split("验证码为")[1][:6]  # type: ignore[union-attr]
    assert visitor.post("/phone/sign-in/code", {"code": code}, follow=False).status_code == 303  # signed in


# Who crawls and fuzzes: one session each. An area whose pages sit behind its own sign-in adds a visitor here.
VISITORS: dict[str, Callable[[RunningService, PageClient], None]] = {
    "anonymous": lambda service, visitor: None,
    "phone customer": _sign_in_phone,
}


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


def _fuzz(service: RunningService, visitor: PageClient, form: FormSpec) -> None:
    @settings(max_examples=EXAMPLES_PER_FORM, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(sent=_fields(form), token=st.sampled_from(["page", "page", "page", "none", "forged"]))
    def one(sent: list[tuple[str, str]], token: str) -> None:
        visitor.get(form.page)  # the form as a person sees it: its current CSRF token
        csrf = {"page": None, "none": "", "forged": "x" * 43}[token]
        _check(visitor.post(form.action, sent, csrf=csrf), form, sent)

    one()


@pytest.mark.parametrize("who", list(VISITORS))
def test_every_form_answers_cleanly_whatever_is_posted(service: RunningService, who: str) -> None:
    visitor = PageClient(service.url)
    try:
        VISITORS[who](service, visitor)
        start = page_paths((r.path, m) for r in routes() for m in (r.methods or ()))
        forms = discover(visitor, start)
        assert forms, f"the crawl found no form at all (started from {start})"
        for form in sorted(forms, key=lambda f: "sign-out" in f.action):  # signing out last keeps the session
            _fuzz(service, visitor, form)
    finally:
        visitor.close()
