"""Concurrent requests with one Idempotency-Key apply once (both stores): the first answer is stored, the
others replay it; with different keys the business rule decides (one redemption, the rest 409)."""

from __future__ import annotations

import json
import threading

import requests

from tests.central.conftest import Sim

RACERS = 8


def _race(sim: Sim, token: str, appointment_id: str, keys: list[str]) -> list[requests.Response]:
    barrier, answers = threading.Barrier(len(keys)), [None] * len(keys)

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = requests.post(  # type: ignore[call-overload]
            f"{sim.url}/v1/appointments/{appointment_id}/redeem", data=json.dumps({"kiosk_session_id": "ks-race"}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                     "Idempotency-Key": keys[i]}, timeout=30)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers  # type: ignore[return-value]


def test_one_key_sent_eight_times_at_once_redeems_once(sim: Sim) -> None:
    appointment = sim.admin.create_appointment("BJ001")
    _, token = sim.admin.add_kiosk("BJ001")
    answers = _race(sim, token, appointment["id"], ["race-key-0001"] * RACERS)
    assert [a.status_code for a in answers] == [200] * RACERS, [a.text for a in answers]
    assert len({a.text for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == RACERS - 1
    assert sim.server.store.count("idempotency", key="race-key-0001") == 1


def test_eight_keys_at_once_redeem_once_and_the_rest_are_conflicts(sim: Sim) -> None:
    appointment = sim.admin.create_appointment("BJ001")
    _, token = sim.admin.add_kiosk("BJ001")
    answers = _race(sim, token, appointment["id"], [f"race-key-{i:04d}" for i in range(RACERS)])
    assert sorted(a.status_code for a in answers) == [200] + [409] * (RACERS - 1), [a.text for a in answers]
    assert sim.admin.appointments("BJ001", include_cancelled=True)[0]["version"] == appointment["version"] + 1


def test_concurrent_class_i_openings_for_one_person_open_one(sim: Sim) -> None:
    from tests.central import samples

    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document("11010519491231002X")))
    body = samples.open_request(verification.verification_id, "I", on_site_check=samples.staff()).to_json()
    _, token = sim.admin.add_kiosk("BJ001")
    barrier, answers = threading.Barrier(RACERS), [0] * RACERS

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = requests.post(sim.url + "/v1/accounts", data=json.dumps(body), timeout=30, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Idempotency-Key": f"class1-race-{i:04d}"}).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(answers) == [201] + [409] * (RACERS - 1)
    assert sim.server.central.core.count("account") == 1


def test_concurrent_activations_of_one_service_activate_once(sim: Sim) -> None:
    from tests.central import samples

    kiosk = sim.client("BJ001")
    verification = kiosk.verify_identity(samples.verification_request(samples.document("11010519491231002X")))
    account = kiosk.open_account(samples.open_request(verification.verification_id))
    _, token = sim.admin.add_kiosk("BJ001")
    barrier, answers = threading.Barrier(RACERS), [""] * RACERS

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = requests.post(
            f"{sim.url}/v1/accounts/{account.account_id}/mobile-banking", timeout=30,
            data=json.dumps({"kiosk_session_id": "ks-race"}), headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json",
                "Idempotency-Key": f"activate-race-{i:04d}"}).json()["reference"]

    threads = [threading.Thread(target=post, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(set(answers)) == 1 and sim.server.central.core.count("mobile_banking") == 1
