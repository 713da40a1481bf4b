"""Contract tests: every route of the service, driven through the client, validated both ways
against openapi.yaml by openapi-core (the `checked_sim` hook fails the test on any break)."""

from __future__ import annotations

from datetime import date

import pytest

import central_api_client as api
from central_api_client import journey_models as jm
from central_service.contract import load_spec
from central_service.cursors import encode_cursor
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from tests.central import samples
from tests.central.conftest import Sim

OPERATIONS = {op["operationId"] for path in load_spec()["paths"].values() for op in path.values()}


def _journey(sim: Sim) -> None:
    """One appointment journey and one walk-in, touching every operation of the contract."""
    seeded = [s for s in sim.admin.seed(["BJ001"], 6, rng_seed=11) if _adult(sim, s.appointment_id)]
    code = sim.admin.enrolment_code("BJ001")
    enrolment = sim.client().enrol(code, kiosk_name="lobby-1")
    kiosk = sim.client(token=enrolment.bearer_token)
    assert kiosk.get_keys() == enrolment.token_keys
    page = kiosk.changes("BJ001", limit=2)
    kiosk.changes("BJ001", page.cursor, limit=2)
    kiosk.snapshot("BJ001", limit=2)
    with kiosk.snapshot_stream("BJ001", block=2) as stream:
        assert sum(len(b.appointments) for b in stream.blocks()) == 6
    appointment = kiosk.lookup(seeded[0].token)
    verification = kiosk.verify_identity(samples.verification_request(samples.document_of(appointment),
                                                                      appointment.id))
    account = kiosk.open_account(samples.open_request(verification.verification_id, appointment_id=appointment.id,
                                                      evidence=samples.evidence(appointment.customer)))
    kiosk.set_pin(account.account_id, jm.SetPinRequest(pin_block="0123456789ABCDEF", format="ISO-0", key_id="wk1"))
    sent = kiosk.start_phone_verification(jm.PhoneVerificationRequest(
        kiosk_session_id="ks-1", account_id=account.account_id, phone="13800138000"))
    code = samples.texted_code(sim, "13800138000")
    kiosk.confirm_phone_verification(sent.phone_verification_id, jm.PhoneCodeConfirmation(code=code))
    activation = jm.ActivationRequest(kiosk_session_id="ks-1", phone="13800138000",
                                      phone_verification_id=sent.phone_verification_id,
                                      login_credential=samples.login_credential())
    kiosk.activate_mobile_banking(account.account_id, activation)
    kiosk.activate_online_banking(account.account_id, activation)
    kiosk.record_risk_assessment(jm.RiskAssessmentRequest(
        kiosk_session_id="ks-1", verification_id=verification.verification_id, questionnaire=samples.questionnaire(),
        score=42, level="C3"))
    products = kiosk.credit_card_products().products
    kiosk.apply_credit_card(jm.CreditCardApplicationRequest(
        kiosk_session_id="ks-1", verification_id=verification.verification_id, account_id=account.account_id,
        product_code=products[1].product_code, annual_income_band="100k_300k", employer="北京某某科技有限公司",
        consent=True, credit_report_authorisation=samples.credit_authorisation()))
    kiosk.create_wechat_binding(jm.WechatBindingRequest(kiosk_session_id="ks-1", account_id=account.account_id))
    kiosk.redeem(appointment.id, jm.RedeemRequest(kiosk_session_id="ks-1"))
    kiosk.push_events([samples.event("evt-key-0001"), samples.event("evt-key-0002")])
    kiosk.heartbeat(samples.heartbeat())
    walk_in = kiosk.create_walk_in_session(jm.WalkInSessionRequest(
        kiosk_session_id="ks-2", document=samples.document("11010519491231002X")))
    sim.phone().submit_walk_in_form(walk_in.form_url, samples.submission())
    assert kiosk.get_walk_in_session(walk_in.session_id, wait=5).status == "submitted"
    StaffDirectory(sim.server.store.db).add("M101", "BJ001", "经理", frozenset({Role.LOBBY_MANAGER}),
                                            "demo-password-2026", pin="246810")
    assert [c.staff_id for c in kiosk.staff_credentials("BJ001").credentials] == ["M101"]
    kiosk.push_events([samples.event("evt-call-0001", session_id="ks-3", reason="card_jam").model_copy(
        update={"kind": "staff_requested"})])
    assert [c.reason for c in kiosk.staff_calls(wait=0).calls] == ["card_jam"]


def _adult(sim: Sim, appointment_id: str) -> bool:
    born = date.fromisoformat(sim.server.store.get_appointment(appointment_id)["customer"]["date_of_birth"])
    return (sim.server.store.clock().date() - born).days > 18 * 366


def test_every_operation_validates_both_ways(checked_sim: Sim) -> None:
    _journey(checked_sim)
    missing = OPERATIONS - checked_sim.checker.operations()
    assert not missing, missing


def test_error_answers_validate_against_the_contract(checked_sim: Sim) -> None:
    sim = checked_sim
    sim.admin.seed(["BJ001", "SH002"], 2, rng_seed=3)
    kiosk = sim.client("BJ001")
    errors = [
        (lambda: sim.client(token="not-a-token").get_keys(), api.Unauthorized),
        (lambda: kiosk.changes("SH002"), api.Forbidden),
        (lambda: kiosk.changes("BJ001", "garbage.cursor"), api.Rejected),
        (lambda: kiosk.redeem("apt_DOESNOTEXIST0000", jm.RedeemRequest(kiosk_session_id="k")), api.NotFound),
        (lambda: kiosk.lookup("BKQ:NOTAREALTOKEN123"), api.Rejected),
        (lambda: kiosk.get_walk_in_session("wis_unknown00000000"), api.NotFound),
        (lambda: sim.client().enrol("AAAA-BBBB-CCCC"), api.Unauthorized),
    ]
    for call, expected in errors:
        with pytest.raises(expected):
            call()
    sim.admin.cancel_appointment(sim.admin.create_appointment("BJ001")["id"])
    sim.admin.purge_tombstones("BJ001")
    old = encode_cursor(sim.server.store.secret, {"b": "BJ001", "s": 0, "e": sim.server.store.epoch, "k": "cursor"})
    with pytest.raises(api.CursorTooOld):
        kiosk.changes("BJ001", old)
    statuses = {entry.split()[1] for entry in sim.checker.seen}
    assert {"400", "401", "403", "404", "410", "422"} <= statuses
