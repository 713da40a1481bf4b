"""The client's retry behaviour against the service's fault mode, over real loopback sockets."""

from __future__ import annotations

import time

import pytest

import central_api_client as api
from central_api_client import RetryPolicy
from tests.central import samples
from tests.central.conftest import Sim


def _fired(sim: Sim) -> dict[str, int]:
    return sim.admin.stats()["faults_fired"]


@pytest.mark.parametrize("kind", ["error", "throttle", "drop", "truncate"])
def test_get_survives_two_faults(sim: Sim, kind: str) -> None:
    sim.admin.seed(["BJ001"], 3, rng_seed=1, with_tokens=False)
    client = sim.client("BJ001")
    sim.admin.arm_fault("getChanges", kind, times=2, retry_after=0)
    assert client.changes("BJ001").count == 3
    assert _fired(sim) == {kind: 2}


def test_retry_after_is_honoured(sim: Sim) -> None:
    client = sim.client("BJ001")
    sim.admin.arm_fault("getKeys", "throttle", times=1, retry_after=1)
    started = time.monotonic()
    client.get_keys()
    assert time.monotonic() - started >= 0.95


def test_retry_after_is_capped(sim: Sim) -> None:
    client = sim.client("BJ001", retry=RetryPolicy(total=1, backoff_factor=0.01, retry_after_max=0.2))
    sim.admin.arm_fault("getKeys", "throttle", times=1, retry_after=3600)
    started = time.monotonic()
    client.get_keys()
    assert time.monotonic() - started < 5


def test_keyed_post_lost_answer_is_retried_and_applied_once(sim: Sim) -> None:
    client = sim.client("BJ001")
    sim.admin.arm_fault("pushEvents", "drop", times=1, after=True)
    result = client.push_events([samples.event("evt-drop-0001")])
    assert result.results[0].status == "applied" and result.results[0].replayed is None
    stats = sim.admin.stats()
    assert stats["events_applied"] == 1 and stats["events_stored"] == 1 and stats["replays"] == 1
    assert sim.admin.event_keys("BJ001") == ["evt-drop-0001"]


def test_keyed_post_truncated_answer_is_retried_and_replayed(sim: Sim) -> None:
    client = sim.client("BJ001")
    sim.admin.arm_fault("heartbeat", "truncate", times=1)
    ack = client.heartbeat(samples.heartbeat(), idempotency_key="hb-trunc-01")
    assert ack.next_heartbeat_s == 60
    assert sim.admin.stats()["heartbeats"] == 1 and sim.admin.stats()["replays"] == 1


def test_unkeyed_post_is_never_retried_after_sending(sim: Sim) -> None:
    code = sim.admin.enrolment_code("BJ001")
    sim.admin.arm_fault("enrol", "error", times=3)
    with pytest.raises(api.Unavailable) as caught:
        sim.client().enrol(code)
    assert caught.value.status == 503
    assert _fired(sim) == {"error": 1}


def test_persistent_failure_ends_in_unavailable_after_bounded_attempts(sim: Sim) -> None:
    client = sim.client("BJ001", retry=RetryPolicy(total=3, backoff_factor=0.01, backoff_jitter=0.01))
    sim.admin.arm_fault("getKeys", "error", times=None, status=502, retry_after=0)
    with pytest.raises(api.Unavailable):
        client.get_keys()
    assert _fired(sim) == {"error": 4}


def test_slow_answer_times_out_then_succeeds(sim: Sim) -> None:
    client = sim.client("BJ001", read_timeout=0.3)
    sim.admin.arm_fault("getKeys", "latency", times=1, latency_s=1.0)
    assert client.get_keys().keys


def test_body_that_breaks_the_contract_is_a_protocol_error(sim: Sim) -> None:
    sim.admin.seed(["BJ001"], 2, rng_seed=1, with_tokens=False)
    client = sim.client("BJ001")
    for route, call in (("getChanges", lambda: client.changes("BJ001")),
                        ("heartbeat", lambda: client.heartbeat(samples.heartbeat()))):
        sim.admin.arm_fault(route, "garbage", times=1)
        with pytest.raises(api.ProtocolError):
            call()


def test_unreachable_service_is_unavailable(sim: Sim) -> None:
    client = api.CentralClient("http://127.0.0.1:9", retry=RetryPolicy(total=1, backoff_factor=0.01),
                               connect_timeout=0.5)
    with pytest.raises(api.Unavailable):
        client.get_keys()
    client.close()


def test_admin_client_arms_faults_over_http(sim: Sim) -> None:
    from central_service.admin import AdminClient

    admin = AdminClient(sim.url, sim.server.admin_token)
    admin.arm_fault("getKeys", "error", times=1, retry_after=0)
    sim.client("BJ001").get_keys()
    assert admin.stats()["faults_fired"] == {"error": 1}
    admin.close()


def test_admin_client_scripts_a_core_outage_and_revokes_a_kiosk_over_http(sim: Sim) -> None:
    from central_service.admin import AdminClient

    admin = AdminClient(sim.url, sim.server.admin_token)
    kiosk = sim.client("BJ001", retry=RetryPolicy(total=0))
    admin.core_outage("verify_identity")
    document = samples.document("11010519491231002X")
    with pytest.raises(api.Unavailable):
        kiosk.verify_identity(samples.verification_request(document))
    assert kiosk.verify_identity(samples.verification_request(document)).outcome == "match"
    added = admin.add_kiosk("BJ001")
    admin.revoke_kiosk(added["kiosk_id"])
    with pytest.raises(api.Unauthorized):
        sim.client(token=added["bearer_token"]).get_keys()
    admin.close()
