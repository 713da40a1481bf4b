"""Models round-trip every schema; canonical JSON, checksums and identifiers hold as properties."""

from __future__ import annotations

import json
import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from central_api_client import journey_models as jm
from central_api_client import models as m
from central_api_client import staff_models as sm
from central_api_client.checksum import branch_digest, canonical_json, page_checksum
from central_service.contract import Schemas, load_spec
from central_service.ids import id_check_char, id_number_valid, make_id_number, make_uscc, uscc_check_char
from central_service.seed import generate
from tests.central import samples
from tests.central.conftest import Sim
from tests.central.test_contract import _journey

MODELS = {name: getattr(m, name, None) or getattr(jm, name, None) or getattr(sm, name, None)
          for name in load_spec()["components"]["schemas"]}
ALIASES = {"ObjectId", "BranchId", "KioskId", "IdempotencyKey", "Cursor", "Timestamp", "Sha256Hex", "Change",
           "JsonValue"}  # JsonValue: checksum.loads/canonical_json enforce it (no floats)
RESPONSES = {"enrol": m.Enrolment, "getKeys": m.KeySet, "getChanges": m.ChangePage, "getSnapshot": m.SnapshotPage,
             "lookupAppointment": m.Appointment, "redeemAppointment": m.Appointment,
             "pushEvents": m.EventBatchResult, "heartbeat": m.HeartbeatAck,
             "verifyIdentity": jm.IdentityVerification, "openAccount": jm.Account, "setPin": jm.PinSet,
             "activateMobileBanking": jm.ServiceActivation, "activateOnlineBanking": jm.ServiceActivation,
             "recordRiskAssessment": jm.RiskAssessment, "applyCreditCard": jm.CreditCardApplication,
             "listCreditCardProducts": jm.CreditCardProductList,
             "startPhoneVerification": jm.PhoneVerification, "confirmPhoneVerification": jm.PhoneVerification,
             "createWechatBinding": jm.WechatBinding, "createWalkInSession": jm.WalkInSession,
             "getWalkInSession": jm.WalkInSession, "submitWalkInForm": jm.SubmissionAck,
             "getStaffCredentials": sm.StaffCredentials, "getStaffCalls": sm.StaffCallList}


def test_every_schema_has_a_model() -> None:
    missing = {name for name, model in MODELS.items() if model is None} - ALIASES
    assert not missing


def test_every_answer_round_trips_through_its_model(checked_sim: Sim) -> None:
    _journey(checked_sim)
    seen = set()
    for operation, status, body in checked_sim.checker.bodies:
        model = m.Problem if status >= 400 else RESPONSES[operation]
        assert model.model_validate(body).to_json() == body, operation
        seen.add(operation)
    assert seen == set(RESPONSES)


def test_every_request_model_dumps_valid_contract_json() -> None:
    schemas = Schemas(load_spec())
    appointment = m.Appointment.model_validate(next(generate(["BJ001"], 1, rng_seed=3)))
    requests = {
        "IdentityVerificationRequest": samples.verification_request(samples.document_of(appointment)),
        "OpenAccountRequest": samples.open_request("ver_abcdefgh", "I", on_site_check=samples.staff(),
                                                   evidence=samples.evidence(appointment.customer)),
        "SetPinRequest": jm.SetPinRequest(pin_block="0123456789ABCDEF", format="ISO-4", key_id="k"),
        "ActivationRequest": jm.ActivationRequest(kiosk_session_id="s", phone="13800138000"),
        "WalkInSubmission": samples.submission(), "Heartbeat": samples.heartbeat(),
        "EventBatch": m.EventBatch(events=[samples.event("evt-12345678")]),
        "RedeemRequest": jm.RedeemRequest(kiosk_session_id="s"), "Appointment": appointment,
        "EnrolmentRequest": m.EnrolmentRequest(code="ABCD-EFGH-2345"),
    }
    for name, model in requests.items():
        assert schemas.check(name, model.to_json()) == [], name
        assert type(model).model_validate(model.to_json()) == model


def test_personal_data_never_shows_in_repr() -> None:
    appointment = m.Appointment.model_validate(next(generate(["BJ001"], 1, rng_seed=8)))
    text = repr(appointment) + str(appointment) + repr(samples.open_request("ver_abcdefgh"))
    for secret in (appointment.customer.name, appointment.customer.id_number, appointment.customer.phone,
                   appointment.customer.address, "6217001234567890123"):
        assert secret not in text


def test_seeded_appointments_are_valid_and_realistic() -> None:
    docs = list(generate(["BJ001", "SH002", "SZ003"], 40, rng_seed=5))
    schemas = Schemas(load_spec())
    assert {d["kind"] for d in docs} == {"individual", "payroll", "walk_in"}
    for doc in docs:
        assert schemas.check("Appointment", doc) == []
        assert id_number_valid(doc["customer"]["id_number"])
        assert doc["customer"]["id_number"][6:14] == doc["customer"]["date_of_birth"].replace("-", "")
        assert all("\u4e00" <= ch <= "\u9fff" for ch in doc["customer"]["name"])
        if doc["kind"] == "payroll":
            code = doc["payroll"]["employer_credit_code"]
            assert uscc_check_char(code[:17]) == code[17]


def test_known_identifiers() -> None:
    assert id_number_valid("11010519491231002X")
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert len(make_uscc("110105", random.Random(1))) == 18


@given(st.dates(min_value=date(1920, 1, 1), max_value=date(2020, 12, 31)), st.booleans(), st.integers(0, 2**32))
def test_generated_id_numbers_carry_their_check_character(born: date, male: bool, seed: int) -> None:
    number = make_id_number("440305", born, random.Random(seed), male=male)
    assert id_number_valid(number) and (int(number[16]) % 2 == 1) == male
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    assert not id_number_valid(wrong) and id_check_char(number[:17]) == number[17]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.lists(JSON, max_size=6))
def test_checksum_survives_a_json_round_trip(items: list) -> None:
    wire = json.dumps(items, ensure_ascii=True, indent=1)  # any spelling of the same values
    assert page_checksum(json.loads(wire)) == page_checksum(items)
    assert canonical_json(json.loads(wire)) == canonical_json(items)


@given(st.dictionaries(st.from_regex(r"apt_[A-Z0-9]{8}", fullmatch=True), st.integers(1, 99), max_size=20))
def test_branch_digest_ignores_order(rows: dict[str, int]) -> None:
    pairs = list(rows.items())
    assert branch_digest(pairs) == branch_digest(list(reversed(pairs)))
