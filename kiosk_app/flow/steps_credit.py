"""The credit-card application, done properly: the customer picks one of the bank's cards (the central service's
list, only those their age allows), confirms the income band and the employer given on the phone, and gives the
credit-report authorisation (征信查询授权) on its own screen. Declining or skipping drops the card from the
bundle; nothing is sent for a credit card without the authorisation.

The steps run after the services are chosen and before the card is issued, so the authorisation is part of
the evidence the account-opening call carries; the application itself is sent once the account exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk_app.flow.credit import AUTHORISATION, INCOME_BANDS
from kiosk_app.flow.events import Touch
from kiosk_app.flow.evidence import chosen_locale
from kiosk_app.flow.states import St
from kiosk_app.flow.steps_bundle import deliver

if TYPE_CHECKING:
    from kiosk_app.flow.session import Session


def on_services_confirm(s: Session, ev: Touch) -> St:
    """The chosen services: a credit card first needs its own steps (product, income, authorisation)."""
    if "credit_card" in s.ctx.services and not s.ctx.credit.ready:
        return offer(s)
    return deliver(s)


def offer(s: Session) -> St:
    """Fetch the bank's cards this customer may apply for; none at all drops the card from the bundle.

    Raises PortError if the central service cannot say (the customer stays on the services screen).
    """
    age = s.ctx.identity.age_on(s.today())
    credit = s.ctx.credit
    credit.products = [p for p in s.ports.central.credit_card_products() if p.min_age <= age]
    if not credit.products:
        _drop(s, "credit_card_under_18")
        return deliver(s)
    customer = s.ctx.customer
    credit.employer = str(customer.get("employer") or "")
    band = customer.get("annual_income_band")
    credit.income_band = band if band in INCOME_BANDS else None
    return St.CREDIT_PRODUCT


def on_credit_choose(s: Session, ev: Touch) -> St:
    credit = s.ctx.credit
    if ev.value not in [p.code for p in credit.products]:
        return s.stay(base="invalid_choice")
    credit.product_code = ev.value
    return St.CREDIT_DETAILS


def on_credit_skip(s: Session, ev: Touch) -> St:
    _drop(s, None)
    return deliver(s)


def on_credit_details(s: Session, ev: Touch) -> St:
    """Confirm the income band (chosen from the list, or the one given on the phone) and the employer shown."""
    chosen = ev.value.get("income_band") if isinstance(ev.value, dict) else None
    band = chosen or s.ctx.credit.income_band
    if band not in INCOME_BANDS:
        return s.stay(base="credit_income_required")
    s.ctx.credit.income_band = band
    return St.CREDIT_AUTH


def on_credit_authorise(s: Session, ev: Touch) -> St:
    """The customer authorises the credit-report enquiry: evidence for the bank, and the application's own copy."""
    s.ctx.evidence.consent(AUTHORISATION, chosen_locale(ev.value, s.settings.locale))
    s.ctx.credit.authorisation = next(c for c in s.ctx.evidence.consents if c.item_id == AUTHORISATION)
    return deliver(s)


def on_credit_decline(s: Session, ev: Touch) -> St:
    _drop(s, None)
    return deliver(s)


def _drop(s: Session, reason: str | None) -> None:
    """No credit card in this bundle (and nothing of its application kept)."""
    if "credit_card" in s.ctx.services:
        s.ctx.services.remove("credit_card")
    if reason and reason not in s.ctx.services_refused:
        s.ctx.services_refused.append(reason)
    s.ctx.credit.wipe()
    s.ctx.credit.product_code = s.ctx.credit.income_band = None
