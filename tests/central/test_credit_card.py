"""Credit-card products and applications: the kiosk's choice comes from the service's list, the application
names a listed product, carries the credit-report authorisation, and respects the product's minimum age."""

from __future__ import annotations

import random
from datetime import date

import pytest

import central_api_client as api
from central_api_client import journey_models as jm
from central_service.ids import make_id_number
from tests.central import samples
from tests.central.conftest import Sim


def _account(sim: Sim, born: date):
    kiosk = sim.client("BJ001")
    doc = samples.document(make_id_number("110105", born, random.Random(7), male=True), born=born)
    verification = kiosk.verify_identity(samples.verification_request(doc))
    return kiosk, verification.verification_id, kiosk.open_account(samples.open_request(verification.verification_id))


def _apply(kiosk, verification_id: str, account_id: str, code: str, **extra) -> jm.CreditCardApplication:
    return kiosk.apply_credit_card(jm.CreditCardApplicationRequest(
        kiosk_session_id="ks-cc", verification_id=verification_id, account_id=account_id, product_code=code,
        consent=True, **extra))


def _years_ago(sim: Sim, years: int) -> date:
    today = sim.server.store.clock().date()
    return date(today.year - years, 1, 1) if (today.month, today.day) >= (1, 2) else date(today.year - years - 1, 1, 1)


def test_the_product_list_names_each_card_in_both_languages(sim: Sim) -> None:
    products = sim.client("BJ001").credit_card_products().products
    assert len(products) >= 2
    assert all(p.name_zh and p.name_en and p.min_age >= 18 for p in products)
    assert len({p.product_code for p in products}) == len(products)


def test_an_application_with_the_authorisation_is_received_and_kept(sim: Sim) -> None:
    kiosk, verification_id, account = _account(sim, _years_ago(sim, 30))
    code = kiosk.credit_card_products().products[1].product_code
    answer = _apply(kiosk, verification_id, account.account_id, code, annual_income_band="50k_100k",
                    employer="北京某某科技有限公司", credit_report_authorisation=samples.credit_authorisation())
    assert answer.status == "received"
    assert sim.server.store.count("core_records", kind="credit_card") == 1


def test_an_unlisted_product_or_a_wrong_authorisation_is_refused(sim: Sim) -> None:
    kiosk, verification_id, account = _account(sim, _years_ago(sim, 30))
    with pytest.raises(api.Rejected) as caught:
        _apply(kiosk, verification_id, account.account_id, "NO-SUCH-CARD")
    assert caught.value.problem_type == "unknown-product"
    wrong = samples.credit_authorisation().model_copy(update={"consent_id": "sensitive_consent"})
    with pytest.raises(api.Rejected) as caught:
        _apply(kiosk, verification_id, account.account_id, "CC-GOLD", credit_report_authorisation=wrong)
    assert caught.value.problem_type == "credit-report-authorisation-required"


def test_an_old_kiosk_applying_for_its_fixed_product_still_works(sim: Sim) -> None:
    kiosk, verification_id, account = _account(sim, _years_ago(sim, 30))
    assert _apply(kiosk, verification_id, account.account_id, "standard-debit-linked").status == "received"


def test_a_product_for_older_customers_refuses_a_younger_adult(sim: Sim) -> None:
    kiosk, verification_id, account = _account(sim, _years_ago(sim, 19))
    products = {p.product_code: p for p in kiosk.credit_card_products().products}
    older = next(code for code, p in products.items() if p.min_age > 19)
    with pytest.raises(api.Rejected) as caught:
        _apply(kiosk, verification_id, account.account_id, older)
    assert caught.value.problem_type == "credit-card-refused"
    assert _apply(kiosk, verification_id, account.account_id, "CC-GOLD").status == "received"
