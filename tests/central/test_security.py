"""Security tests: each bad request gets its status and writes nothing (raw HTTP on loopback)."""

from __future__ import annotations

import json

import pytest
import requests

import central_api_client as api
from central_api_client import journey_models as jm
from tests.central import samples
from tests.central.conftest import Sim


def _written(sim: Sim) -> tuple[int, ...]:
    store = sim.server.store
    return (store.count("idempotency"), store.count("events"), store.count("core_records"), store.count("walk_ins"),
            store.count("heartbeats"), store.count("appointments"), store.count("kiosks"))


def _post(sim: Sim, path: str, *, token: str | None, body: bytes, content_type: str = "application/json",
          key: str | None = "key-00000001") -> requests.Response:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(sim.url + path, data=body, headers=headers, timeout=10)


EVENTS = json.dumps({"events": [samples.event("key-aaaaaaaa").to_json()]}, separators=(",", ":")).encode()


@pytest.fixture
def branch_kiosk(sim: Sim) -> str:
    sim.admin.seed(["BJ001", "SH002"], 3, rng_seed=5)
    return sim.admin.add_kiosk("BJ001")[1]


@pytest.mark.parametrize(
    ("case", "status", "slug"),
    [
        ("no credentials", 401, "unauthorized"),
        ("unknown token", 401, "unauthorized"),
        ("revoked kiosk", 401, "unauthorized"),
        ("malformed json", 400, "malformed-json"),
        ("wrong content type", 415, "unsupported-media-type"),
        ("oversized body", 413, "payload-too-large"),
        ("schema violation", 400, "invalid-body"),
        ("float smuggled in", 400, "invalid-body"),
        ("missing idempotency key", 400, "idempotency-key-required"),
    ],
)
def test_bad_push_is_refused_and_writes_nothing(sim: Sim, branch_kiosk: str, case: str, status: int,
                                                slug: str) -> None:
    token, body, content_type, key = branch_kiosk, EVENTS, "application/json", "key-00000001"
    if case == "no credentials":
        token = None
    elif case == "unknown token":
        token = "x" * 43
    elif case == "revoked kiosk":
        kiosk, token = sim.admin.add_kiosk("BJ001")
        sim.admin.revoke_kiosk(kiosk.kiosk_id)
    elif case == "malformed json":
        body = b'{"events": [ {"idempotency_key": '
    elif case == "wrong content type":
        content_type = "text/plain"
    elif case == "oversized body":
        body = b'{"events": [], "pad": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    elif case == "schema violation":
        body = json.dumps({"events": [{"idempotency_key": "k", "stream": "s"}]}).encode()
    elif case == "float smuggled in":
        body = EVENTS.replace(b'"step":"welcome"', b'"step":1.5')
    elif case == "missing idempotency key":
        key = None
    before = _written(sim)
    response = _post(sim, "/v1/event-batches", token=token, body=body, content_type=content_type, key=key)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/" + slug)
    assert _written(sim) == before


def test_another_branch_is_forbidden_everywhere(sim: Sim) -> None:
    seeded = sim.admin.seed(["BJ001", "SH002"], 3, rng_seed=9)
    theirs = next(s for s in seeded if s.branch_id == "SH002")
    ours = sim.client("BJ001")
    other = sim.client("SH002")
    before = _written(sim)
    with pytest.raises(api.Forbidden):
        ours.changes("SH002")
    with pytest.raises(api.Forbidden):
        ours.snapshot("SH002")
    with pytest.raises(api.Forbidden):  # a token for another branch's appointment
        ours.lookup(theirs.token)
    with pytest.raises(api.NotFound):  # existence of another branch's object never leaks
        ours.redeem(theirs.appointment_id, jm.RedeemRequest(kiosk_session_id="ks"))
    with pytest.raises(api.Forbidden):  # a cursor of another branch
        ours.changes("BJ001", other.changes("SH002").cursor)
    assert _written(sim)[1:] == before[1:]
    assert sim.server.store.get_appointment(theirs.appointment_id)["status"] == "booked"


def test_another_branchs_session_and_account_are_invisible(sim: Sim) -> None:
    ours, theirs = sim.client("BJ001"), sim.client("SH002")
    session = theirs.create_walk_in_session(jm.WalkInSessionRequest(
        kiosk_session_id="ks", document=samples.document("11010519491231002X")))
    verification = theirs.verify_identity(samples.verification_request(samples.document("11010519491231002X")))
    account = theirs.open_account(samples.open_request(verification.verification_id))
    with pytest.raises(api.NotFound):
        ours.get_walk_in_session(session.session_id)
    with pytest.raises(api.NotFound):
        ours.open_account(samples.open_request(verification.verification_id))
    with pytest.raises(api.NotFound):
        ours.set_pin(account.account_id, jm.SetPinRequest(pin_block="0123456789ABCDEF", format="ISO-0", key_id="k"))


def test_replayed_key_with_another_body_is_422_and_changes_nothing(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    first = kiosk.heartbeat(samples.heartbeat(), idempotency_key="hb-key-0001")
    again = kiosk.heartbeat(samples.heartbeat(), idempotency_key="hb-key-0001")
    assert again == first
    changed = samples.heartbeat().model_copy(update={"outbox_depth": 99})
    before = _written(sim)
    with pytest.raises(api.IdempotencyKeyReused) as caught:
        kiosk.heartbeat(changed, idempotency_key="hb-key-0001")
    assert caught.value.status == 422
    assert _written(sim) == before
    stats = sim.admin.stats()
    assert (stats["keys_applied"], stats["replays"], stats["key_conflicts"]) == (1, 1, 1)


def test_event_key_reused_with_another_body_is_rejected_alone(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    kiosk.push_events([samples.event("evt-00000001", step="a")])
    result = kiosk.push_events([samples.event("evt-00000001", step="b"), samples.event("evt-00000002")])
    assert [r.status for r in result.results] == ["rejected", "applied"]
    assert result.results[0].problem.status == 422
    assert sim.admin.event_keys("BJ001") == ["evt-00000001", "evt-00000002"]


def test_admin_endpoint_needs_the_admin_token(sim: Sim) -> None:
    _, kiosk_token = sim.admin.add_kiosk("BJ001")
    for headers in ({}, {"X-Admin-Token": "wrong"}, {"Authorization": f"Bearer {kiosk_token}"}):
        assert requests.get(sim.url + "/admin/stats", headers=headers, timeout=5).status_code == 401
    ok = requests.get(sim.url + "/admin/stats", headers={"X-Admin-Token": sim.server.admin_token}, timeout=5)
    assert ok.status_code == 200


def test_used_enrolment_code_is_409_and_makes_no_second_kiosk(sim: Sim) -> None:
    code = sim.admin.enrolment_code("BJ001")
    sim.client().enrol(code)
    kiosks = sim.server.store.count("kiosks")
    with pytest.raises(api.Conflict):
        sim.client().enrol(code)
    assert sim.server.store.count("kiosks") == kiosks


def test_form_submission_needs_the_form_secret(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    session = kiosk.create_walk_in_session(jm.WalkInSessionRequest(
        kiosk_session_id="ks", document=samples.document("11010519491231002X")))
    forged = session.form_url.split("?t=")[0] + "?t=guess"
    before = sim.server.store.count("appointments")
    with pytest.raises(api.Unauthorized):
        sim.phone().submit_walk_in_form(forged, samples.submission())
    assert sim.server.store.count("appointments") == before
    sim.phone().submit_walk_in_form(session.form_url, samples.submission())
    with pytest.raises(api.Conflict):
        sim.phone().submit_walk_in_form(session.form_url, samples.submission())
    assert sim.server.store.count("appointments") == before + 1
