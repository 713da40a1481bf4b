"""What the steps of the bundle's applications show (issue 18): the bank's credit cards to choose from, the income
band and employer to confirm, the credit-report authorisation to read and accept (or decline), and the texted
code that confirms the mobile number before e-banking."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kiosk_app.flow.credit import AUTHORISATION, INCOME_BANDS
from kiosk_app.flow.ebanking import wanted
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.states import St

if TYPE_CHECKING:
    from kiosk_app.flow.screen_builder import ScreenSource


def _products(s: ScreenSource) -> Screen:
    credit = s.ctx.credit
    products: list[dict[str, Any]] = [{"code": p.code, "name_zh": p.name_zh, "name_en": p.name_en,
                                       "annual_fee_cny": p.annual_fee_cny} for p in credit.products]
    return Screen("credit_card_product", {"products": products, "selected": credit.product_code},
                  actions=("choose", "skip", "cancel"))


def _details(s: ScreenSource) -> Screen:
    """The employer is shown as the phone gave it (never typed here); an empty one is fixed on the phone."""
    credit = s.ctx.credit
    product = credit.product()
    data = {"income_bands": list(INCOME_BANDS), "income_band": credit.income_band, "employer": credit.employer,
            "product": {"name_zh": product.name_zh, "name_en": product.name_en} if product else None}
    return Screen("credit_card_details", data, actions=("confirm", "cancel"))


def _authorisation(s: ScreenSource) -> Screen:
    return Screen("credit_report_consent", {"consent": AUTHORISATION}, actions=("consent", "no_consent", "cancel"))


def _sms(s: ScreenSource) -> Screen:
    """The masked number the code went to, the keypad's length; once confirmed, confirm sets the password."""
    proof = s.ctx.ebanking
    data = {"phone": proof.check.phone_masked if proof.check else "", "length": 6, "confirmed": proof.confirmed,
            "services": wanted(s.ctx.services, s.ctx.activated)}
    return Screen("ebanking_sms", data, actions=("confirm", "resend", "not_now"))


OPENING_BUILDERS: dict[St, Callable[[ScreenSource], Screen]] = {
    St.CREDIT_PRODUCT: _products, St.CREDIT_DETAILS: _details, St.CREDIT_AUTH: _authorisation,
    St.EBANKING_SMS: _sms,
}
