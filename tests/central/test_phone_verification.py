"""The mobile number is confirmed with a texted code before e-banking is activated: the code reaches the phone
through the SMS gateway (never the kiosk), a wrong code uses up an attempt, an old or spent code is refused,
and a current kiosk's activation needs a confirmed number for that account (old kiosks activate as before)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import central_api_client as api
from central_api_client import journey_models as jm
from central_service.activation import PhoneVerifications, VerificationRefused
from central_service.db import Database
from central_service.migrations import upgrade
from tests.central import samples
from tests.central.conftest import Sim

PHONE = "13912340000"


def _opened(sim: Sim):
    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document("11010519491231002X")))
    return kiosk, kiosk.open_account(samples.open_request(verification.verification_id))


def _start(kiosk, account, session: str = "ks-ph") -> jm.PhoneVerification:
    return kiosk.start_phone_verification(jm.PhoneVerificationRequest(
        kiosk_session_id=session, account_id=account.account_id, phone=PHONE))


def _confirm(kiosk, sent: jm.PhoneVerification, code: str) -> jm.PhoneVerification:
    return kiosk.confirm_phone_verification(sent.phone_verification_id, jm.PhoneCodeConfirmation(code=code))


def _activation(verification_id: str | None) -> jm.ActivationRequest:
    return jm.ActivationRequest(kiosk_session_id="ks-ph", phone_verification_id=verification_id,
                                login_credential=samples.login_credential())


def test_the_code_goes_to_the_phone_and_confirms_the_number(sim: Sim) -> None:
    kiosk, account = _opened(sim)
    sent = _start(kiosk, account)
    code = samples.texted_code(sim, PHONE)
    assert sent.status == "sent" and sent.phone_masked == "139****0000" and code not in sent.model_dump_json()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(api.Rejected) as caught:
        _confirm(kiosk, sent, wrong)
    assert caught.value.problem_type == "wrong-code"
    assert _confirm(kiosk, sent, code).status == "confirmed"
    done = kiosk.activate_mobile_banking(account.account_id, _activation(sent.phone_verification_id))
    assert done.status == "activated"
    assert sim.server.store.count("core_records", kind="mobile_banking") == 1


def test_an_activation_naming_an_unconfirmed_number_is_refused(sim: Sim) -> None:
    kiosk, account = _opened(sim)
    sent = _start(kiosk, account)
    with pytest.raises(api.Rejected) as caught:
        kiosk.activate_online_banking(account.account_id, _activation(sent.phone_verification_id))
    assert caught.value.problem_type == "phone-not-verified"
    _confirm(kiosk, sent, samples.texted_code(sim, PHONE))
    _, other = _opened(sim)
    with pytest.raises(api.Rejected) as caught:  # confirmed, but for another account
        kiosk.activate_online_banking(other.account_id, _activation(sent.phone_verification_id))
    assert caught.value.problem_type in ("phone-not-verified", "not-found")


def test_an_old_kiosk_activates_without_the_check(sim: Sim) -> None:
    kiosk, account = _opened(sim)
    old = jm.ActivationRequest(kiosk_session_id="ks-old", phone=PHONE)
    assert kiosk.activate_mobile_banking(account.account_id, old).status == "activated"


def test_a_new_code_retires_the_old_one(sim: Sim) -> None:
    kiosk, account = _opened(sim)
    first = _start(kiosk, account)
    first_code = samples.texted_code(sim, PHONE)
    second = _start(kiosk, account)
    with pytest.raises(api.Rejected) as caught:
        _confirm(kiosk, first, first_code)
    assert caught.value.problem_type == "code-expired"
    assert _confirm(kiosk, second, samples.texted_code(sim, PHONE)).status == "confirmed"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def codes(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'central.sqlite'}")
    upgrade(db.engine)
    clock = Clock()
    yield PhoneVerifications(db, clock=clock), clock
    db.dispose()


def test_five_wrong_codes_spend_it_and_five_minutes_expire_it(codes) -> None:
    store, clock = codes
    issued = store.issue("BJ001", "ks-1", "acc_abcdefgh", PHONE)
    wrong = f"{(int(issued.code) + 1) % 10**6:06d}"
    slugs = []
    for _ in range(6):
        with pytest.raises(VerificationRefused) as caught:
            store.confirm("BJ001", issued.answer["phone_verification_id"], wrong)
        slugs.append(caught.value.slug)
    assert slugs == ["wrong-code"] * 4 + ["too-many-attempts"] * 2
    with pytest.raises(VerificationRefused):  # the right code no longer helps
        store.confirm("BJ001", issued.answer["phone_verification_id"], issued.code)
    later = store.issue("BJ001", "ks-1", "acc_abcdefgh", PHONE)
    clock.now += timedelta(seconds=301)
    with pytest.raises(VerificationRefused) as caught:
        store.confirm("BJ001", later.answer["phone_verification_id"], later.code)
    assert caught.value.slug == "code-expired"
    with pytest.raises(VerificationRefused) as caught:  # another branch's verification is as good as absent
        store.confirm("SH002", later.answer["phone_verification_id"], later.code)
    assert caught.value.status == 404


def test_a_session_cannot_text_a_number_without_end(codes) -> None:
    store, _ = codes
    for _ in range(5):
        store.issue("BJ001", "ks-2", "acc_abcdefgh", PHONE)
    with pytest.raises(VerificationRefused) as caught:
        store.issue("BJ001", "ks-2", "acc_abcdefgh", PHONE)
    assert caught.value.slug == "too-many-codes"


def test_the_table_keeps_neither_the_code_nor_the_number(codes) -> None:
    store, _ = codes
    issued = store.issue("BJ001", "ks-3", "acc_abcdefgh", PHONE)
    with store.db.read() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM phone_verifications").fetchall()
    text = repr(rows)
    assert PHONE not in text and issued.code not in text.replace(issued.answer["phone_verification_id"], "")
