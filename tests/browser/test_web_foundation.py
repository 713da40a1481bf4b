"""The web foundation in a real browser at phone size: sign-in page renders in both languages with the security
headers, cookies are Secure/HttpOnly/SameSite, field messages sit beside the field, axe finds nothing serious."""

from __future__ import annotations

from playwright.sync_api import Page

from central_service.testing import RunningService


def test_sign_in_page_headers_cookie_language_and_field_error(service: RunningService, phone_page: Page,
                                                             human_type, axe_check) -> None:  # type: ignore[no-untyped-def]
    response = phone_page.goto(service.url + "/phone/sign-in")
    assert response is not None and response.status == 200
    headers = response.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    cookie = next(c for c in phone_page.context.cookies() if c["name"] == "__Host-sid")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert phone_page.locator("h1").inner_text() == "登录"
    axe_check(phone_page)

    human_type(phone_page.locator("#f-phone"), "12345")
    phone_page.get_by_role("button", name="获取验证码").click()
    error = phone_page.locator("#e-phone")
    assert "11位" in error.inner_text()
    assert phone_page.locator("#f-phone").get_attribute("aria-invalid") == "true"
    assert phone_page.locator("#f-phone").input_value() == "12345"  # what was typed stays
    axe_check(phone_page)

    phone_page.get_by_role("link", name="English").click()
    assert phone_page.locator("h1").inner_text() == "Sign in"
    assert phone_page.locator("html").get_attribute("lang") == "en"
    phone_page.goto(service.url + "/phone/sign-in")  # the choice sticks (cookie)
    assert phone_page.locator("h1").inner_text() == "Sign in"
    axe_check(phone_page)


def test_axe_check_fails_on_a_serious_violation(phone_page: Page) -> None:
    """The helper is not vacuous: an unlabelled field and an image without text are reported."""
    from tests.browser.conftest import blocking_violations

    phone_page.set_content('<html lang="en"><body><main><input type="text"><img src="x.png"></main></body></html>')
    found = blocking_violations(phone_page)
    assert any("label" in line for line in found) and any("image-alt" in line for line in found)
