"""CSRF, replay and session rules of the web foundation, over real HTTP against the running service: a forged
or replayed post gets the 403 page and nothing happens (no code texted)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient

PHONE = "13900139000"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    with RunningService(sqlite_settings(tmp_path)) as running:
        yield running


def texts_sent(service: RunningService) -> int:
    return len(service.central.sms.messages(PHONE))  # type: ignore[union-attr]


def test_post_without_session_or_token_is_refused(service: RunningService) -> None:
    visitor = PageClient(service.url)
    response = visitor.post("/phone/sign-in", {"phone": PHONE}, csrf="")
    assert response.status_code == 403 and "页面已过期" in response.text
    visitor.get("/phone/sign-in")
    assert visitor.post("/phone/sign-in", {"phone": PHONE}, csrf="forged").status_code == 403
    assert texts_sent(service) == 0


def test_token_of_another_session_is_refused(service: RunningService) -> None:
    mallory, victim = PageClient(service.url), PageClient(service.url)
    mallory.get("/phone/sign-in")
    victim.get("/phone/sign-in")
    assert victim.post("/phone/sign-in", {"phone": PHONE}, csrf=mallory.csrf).status_code == 403
    assert texts_sent(service) == 0


def test_cross_site_origin_is_refused_even_with_the_token(service: RunningService) -> None:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    response = visitor.post("/phone/sign-in", {"phone": PHONE}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403 and texts_sent(service) == 0


def test_a_replayed_post_is_refused(service: RunningService) -> None:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    token = visitor.csrf
    first = visitor.post("/phone/sign-in", {"phone": PHONE}, follow=False)
    assert first.status_code == 303 and texts_sent(service) == 1
    assert visitor.post("/phone/sign-in", {"phone": PHONE}, csrf=token).status_code == 403
    assert texts_sent(service) == 1


def test_sign_in_rotates_the_session_id(service: RunningService) -> None:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    visitor.post("/phone/sign-in", {"phone": PHONE})
    before = visitor.cookies["__Host-sid"]
    code = service.central.sms.last(PHONE).body.split("验证码为")[1][:6]  # type: ignore[union-attr]
    landed = visitor.post("/phone/sign-in/code", {"code": code}, follow=False)
    assert landed.status_code == 303
    assert visitor.cookies["__Host-sid"] != before


def test_pages_carry_the_security_headers_and_static_files_stay_in_their_folder(service: RunningService) -> None:
    visitor = PageClient(service.url)
    page = visitor.get("/phone/sign-in")
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    css = visitor.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "default-src 'none'" in css.headers["content-security-policy"]
    for sneaky in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/nope.css"):
        assert visitor.get(sneaky).status_code == 404


def test_wrong_media_type_and_oversized_forms_are_refused(service: RunningService) -> None:
    visitor = PageClient(service.url)
    visitor.get("/phone/sign-in")
    as_json = visitor._send("POST", "/phone/sign-in", json={"phone": PHONE, "csrf": visitor.csrf})
    assert as_json.status_code == 403
    visitor.get("/phone/sign-in")
    assert visitor.post("/phone/sign-in", {"phone": PHONE, "pad": "x" * 70_000}).status_code == 403
    assert texts_sent(service) == 0


def test_unknown_pages_get_the_404_page_and_the_api_keeps_its_problem(service: RunningService) -> None:
    visitor = PageClient(service.url)
    page = visitor._send("GET", "/phone/nowhere", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 404 and "找不到这个页面" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    api = visitor._send("GET", "/v1/nowhere", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
