"""The bank's rules as the service (its simulated core bank) answers them, through the client."""

from __future__ import annotations

import threading
from datetime import date

import pytest

import central_api_client as api
from central_api_client import journey_models as jm
from central_service import routes_walk_in
from tests.central import samples
from tests.central.conftest import Sim

ADULT = "11010519491231002X"
MINOR_BORN = date(2012, 5, 1)


def test_class_i_needs_on_site_check_and_only_one_per_person(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document(ADULT)))
    assert verification.outcome == "match" and not verification.holds_class1_account
    with pytest.raises(api.Rejected) as caught:
        kiosk.open_account(samples.open_request(verification.verification_id, "I"))
    assert caught.value.problem_type == "on-site-check-required"
    account = kiosk.open_account(samples.open_request(verification.verification_id, "I",
                                                      on_site_check=samples.staff()))
    assert account.account_class == "I" and account.card_pan_masked == "621700*********0123"
    again = kiosk.verify_identity(samples.verification_request(samples.document(ADULT)))
    assert again.holds_class1_account
    with pytest.raises(api.Conflict) as conflict:
        kiosk.open_account(samples.open_request(again.verification_id, "I", on_site_check=samples.staff()))
    assert conflict.value.problem_type == "class1-account-exists"
    assert kiosk.open_account(samples.open_request(again.verification_id, "II")).account_class == "II"


def test_open_account_is_idempotent(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document(ADULT)))
    request = samples.open_request(verification.verification_id)
    first = kiosk.open_account(request, idempotency_key="open-key-0001")
    assert kiosk.open_account(request, idempotency_key="open-key-0001") == first
    assert sim.server.central.core.count("account") == 1


def test_blocklisted_person_is_flagged_and_refused(sim: Sim) -> None:
    sim.admin.set_person(ADULT, blocklisted=True)
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document(ADULT)))
    assert verification.blocklisted
    with pytest.raises(api.Rejected) as caught:
        kiosk.open_account(samples.open_request(verification.verification_id))
    assert caught.value.problem_type == "account-refused"
    assert sim.server.central.core.count("account") == 0


def test_needs_staff_opens_only_with_staff_approval(sim: Sim) -> None:
    sim.admin.set_person(ADULT, outcome="needs_staff")
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document(ADULT), face=False))
    assert verification.outcome == "needs_staff" and verification.reasons == ["no_face_image"]
    with pytest.raises(api.Rejected):
        kiosk.open_account(samples.open_request(verification.verification_id))
    account = kiosk.open_account(samples.open_request(verification.verification_id, staff_approval=samples.staff()))
    assert account.account_class == "II"


def test_bad_check_digit_is_no_match(sim: Sim) -> None:
    verification = sim.client("BJ001").verify_identity(
        samples.verification_request(samples.document("110105194912310021")))
    assert verification.outcome == "no_match" and verification.reasons == ["document_not_found"]


def test_no_credit_card_application_under_18(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(
        samples.document("110105201205010012", born=MINOR_BORN)))
    account = kiosk.open_account(samples.open_request(verification.verification_id))
    with pytest.raises(api.Rejected) as caught:
        kiosk.apply_credit_card(jm.CreditCardApplicationRequest(
            kiosk_session_id="ks", verification_id=verification.verification_id, account_id=account.account_id,
            product_code="CC-GOLD", consent=True))
    assert caught.value.problem_type == "credit-card-refused"


def test_redeem_is_one_time_but_a_retry_gets_the_first_answer(sim: Sim) -> None:
    appointment = sim.admin.create_appointment("BJ001")
    kiosk = sim.client("BJ001")
    request = jm.RedeemRequest(kiosk_session_id="ks-9")
    first = kiosk.redeem(appointment["id"], request, idempotency_key="redeem-key-01")
    assert first.status == "redeemed" and first.version == 2
    assert kiosk.redeem(appointment["id"], request, idempotency_key="redeem-key-01") == first
    with pytest.raises(api.Conflict) as caught:
        kiosk.redeem(appointment["id"], request, idempotency_key="redeem-key-02")
    assert caught.value.problem_type == "already-redeemed"
    with pytest.raises(api.Conflict):  # the stored 409 is replayed too
        kiosk.redeem(appointment["id"], request, idempotency_key="redeem-key-02")


def test_walk_in_long_poll_returns_the_appointment_that_reaches_the_feed(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    cursor = kiosk.changes("BJ001").cursor
    session = kiosk.create_walk_in_session(jm.WalkInSessionRequest(
        kiosk_session_id="ks", document=samples.document(ADULT)))
    assert session.status == "waiting" and "?t=" in session.form_url
    phone = threading.Thread(target=sim.phone().submit_walk_in_form, args=(session.form_url, samples.submission()))
    phone.start()
    done = kiosk.get_walk_in_session(session.session_id, wait=20)
    phone.join()
    assert done.status == "submitted" and done.appointment.kind == "walk_in"
    assert done.appointment.customer.id_number == ADULT and done.appointment.customer.phone == "13800138000"
    (change,) = kiosk.changes("BJ001", cursor).changes
    assert change.appointment.id == done.appointment.id


def test_expired_walk_in_form_is_gone(sim: Sim, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes_walk_in, "WALK_IN_TTL_S", -1)
    kiosk = sim.client("BJ001")
    session = kiosk.create_walk_in_session(jm.WalkInSessionRequest(
        kiosk_session_id="ks", document=samples.document(ADULT)))
    assert kiosk.get_walk_in_session(session.session_id, wait=5).status == "expired"
    with pytest.raises(api.Gone):
        sim.phone().submit_walk_in_form(session.form_url, samples.submission())


def test_a_core_bank_outage_is_a_503_and_the_same_key_opens_once_when_it_is_back(sim: Sim) -> None:
    kiosk = sim.client("BJ001", retry=api.RetryPolicy(total=0))
    verification = kiosk.verify_identity(samples.verification_request(samples.document(ADULT)))
    request = samples.open_request(verification.verification_id)
    sim.admin.core_outage("open_account", times=1)
    with pytest.raises(api.Unavailable) as caught:
        kiosk.open_account(request, idempotency_key="open-outage-01")
    assert caught.value.status == 503 and caught.value.problem_type == "core-unavailable"
    assert sim.server.central.core.count("account") == 0 and sim.server.store.count("idempotency") == 1
    account = kiosk.open_account(request, idempotency_key="open-outage-01")  # the outage was not stored
    assert kiosk.open_account(request, idempotency_key="open-outage-01") == account
    assert sim.server.central.core.count("account") == 1
