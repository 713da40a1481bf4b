"""Sign-in pages: mobile number -> SMS code -> signed in (the session carries the phone as its principal)."""

from __future__ import annotations

import re

from starlette.responses import Response

from central_service.phone.phone_pages import PAGES, mask_phone
from central_service.phone.sign_in import SignInCodes, SignInError
from central_service.web import PageRequest

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def codes(req: PageRequest) -> SignInCodes:
    central = req.central
    return SignInCodes(central.store.db, central.sms, central.store.secret, bank_name=req.t("layout.bank"))


def _refusal_text(exc: SignInError) -> str:
    """The page text for a refused sign-in step (keys sign_in.<reason>)."""
    return f"sign_in.{exc.reason.value}"


@PAGES.page
def sign_in(req: PageRequest) -> Response:
    """Ask for the mobile number and text a code to it."""
    form = req.form
    if req.is_post:
        phone = form.value("phone").replace(" ", "")
        if not MOBILE.match(phone):
            form.fail("phone", "sign_in.bad_number")
        else:
            try:
                codes(req).send_code(phone, locale=req.locale)
            except SignInError as exc:
                form.fail("phone", _refusal_text(exc))
                return req.render("sign_in.html", status=429 if exc.wait_s else 422, form=form, wait_s=exc.wait_s)
            req.session.set("pending_phone", phone)
            return req.redirect("/phone/sign-in/code")
        return req.render("sign_in.html", status=422, form=form, wait_s=0)
    return req.render("sign_in.html", form=form, wait_s=0)


@PAGES.page
def enter_code(req: PageRequest) -> Response:
    """Check the texted code; on success the session is signed in as that phone."""
    phone = req.session.data.get("pending_phone")
    if not phone:
        return req.redirect("/phone/sign-in")
    form = req.form
    if req.is_post:
        try:
            codes(req).check_code(phone, form.value("code"))
        except SignInError as exc:
            form.fail("code", _refusal_text(exc))
            return req.render("sign_in_code.html", status=422, form=form, masked=mask_phone(phone), phone=phone,
                              wait_s=exc.wait_s)
        req.sign_in("phone", phone)
        req.session.pop("pending_phone")
        return req.redirect(req.session.pop("after_sign_in") or "/phone/")
    return req.render("sign_in_code.html", form=form, masked=mask_phone(phone), phone=phone, wait_s=0)


@PAGES.page
def sign_out(req: PageRequest) -> Response:
    req.sign_out()
    return req.redirect("/phone/sign-in")
