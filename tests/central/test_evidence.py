"""The account-opening call's evidence: stored with the account in the same transaction, read back by the admin,
refused whole when it does not hold together, optional for kiosks older than the field (both stores)."""

from __future__ import annotations

import base64
import hashlib

import requests

from central_service.evidence.routes import evidence_store
from tests.central import samples
from tests.central.conftest import Sim


def _verified(sim: Sim):
    seeded = sim.admin.seed(["BJ001"], 1, rng_seed=21)[0]
    kiosk = sim.client("BJ001")
    appointment = kiosk.lookup(seeded.token)
    verification = kiosk.verify_identity(samples.verification_request(samples.document_of(appointment)))
    return kiosk, appointment, verification


def _read_back(sim: Sim, account_id: str) -> requests.Response:
    return requests.get(f"{sim.url}/admin/accounts/{account_id}/evidence",
                        headers={"X-Admin-Token": sim.server.admin_token}, timeout=10)


def test_evidence_is_kept_with_the_account_and_read_back(checked_sim: Sim) -> None:
    kiosk, appointment, verification = _verified(checked_sim)
    sent = samples.evidence(appointment.customer)
    request = samples.open_request(verification.verification_id, evidence=sent, appointment_id=appointment.id)
    account = kiosk.open_account(request, idempotency_key="ks-1:open-0001")
    again = kiosk.open_account(request, idempotency_key="ks-1:open-0001")  # a retry: the same answer, one row
    assert again == account
    assert checked_sim.server.store.count("account_evidence") == 1
    back = _read_back(checked_sim, account.account_id).json()
    assert back["confirmed_data"] == sent.confirmed_data.to_json()
    assert back["confirmed_data"]["occupation"] == "30000" and back["edited_fields"] == ["occupation"]
    assert back["agreements"] == [a.to_json() for a in sent.agreements]
    assert back["consents"] == [c.to_json() for c in sent.consents]
    assert back["signature"] == sent.signature.to_json()
    assert back["kiosk_session_id"] == "ks-1" and back["branch_id"] == "BJ001"
    assert back["appointment_id"] == appointment.id
    store = evidence_store(checked_sim.server.store)
    assert store.accounts_of_appointment(appointment.id) == [account.account_id]
    sessions = requests.get(f"{checked_sim.url}/admin/kiosk-sessions/ks-1/accounts",
                            headers={"X-Admin-Token": checked_sim.server.admin_token}, timeout=10).json()
    assert sessions["account_ids"] == [account.account_id]


def test_an_old_kiosk_without_evidence_still_opens_an_account(checked_sim: Sim) -> None:
    kiosk, _, verification = _verified(checked_sim)
    account = kiosk.open_account(samples.open_request(verification.verification_id))
    assert account.account_id
    assert _read_back(checked_sim, account.account_id).status_code == 404


def test_evidence_that_does_not_hold_together_opens_nothing(sim: Sim) -> None:
    _, appointment, verification = _verified(sim)
    _, bearer = sim.admin.add_kiosk("BJ001")
    body = samples.open_request(verification.verification_id, evidence=samples.evidence(appointment.customer)).to_json()
    broken = samples.TINY_PNG[:-20]  # a PNG cut short: the right magic and its own digest, but no image
    cases = {
        "digest": {"png_sha256": hashlib.sha256(b"another image").hexdigest()},
        "cut short": {"png": base64.b64encode(broken).decode(), "png_sha256": hashlib.sha256(broken).hexdigest()},
        "not a png": {"png": base64.b64encode(b"GIF89a-not-a-png").decode(),
                      "png_sha256": hashlib.sha256(b"GIF89a-not-a-png").hexdigest()},
    }
    before = sim.server.store.count("core_records", kind="account")
    for n, (name, change) in enumerate(cases.items()):
        broken = {**body, "evidence": {**body["evidence"], "signature": {**body["evidence"]["signature"], **change}}}
        answer = requests.post(f"{sim.url}/v1/accounts", json=broken, timeout=10, headers={
            "Authorization": f"Bearer {bearer}", "Idempotency-Key": f"broken-evidence-{n}"})
        assert answer.status_code == 422, name
        assert answer.json()["type"].endswith("evidence-invalid"), name
    assert sim.server.store.count("core_records", kind="account") == before
    assert sim.server.store.count("account_evidence") == 0


def test_the_contract_refuses_a_signature_without_strokes(sim: Sim) -> None:
    _, appointment, verification = _verified(sim)
    _, bearer = sim.admin.add_kiosk("BJ001")
    body = samples.open_request(verification.verification_id, evidence=samples.evidence(appointment.customer)).to_json()
    body["evidence"]["signature"]["strokes"] = []
    answer = requests.post(f"{sim.url}/v1/accounts", json=body, timeout=10, headers={
        "Authorization": f"Bearer {bearer}", "Idempotency-Key": "no-strokes-0001"})
    assert answer.status_code == 400
    assert sim.server.store.count("account_evidence") == 0


def test_the_read_back_needs_the_admin_token(sim: Sim) -> None:
    answer = requests.get(f"{sim.url}/admin/accounts/acc_abcdefgh/evidence", timeout=10)
    assert answer.status_code == 401
    kiosk_token = sim.admin.add_kiosk("BJ001")[1]
    answer = requests.get(f"{sim.url}/admin/accounts/acc_abcdefgh/evidence", timeout=10,
                          headers={"Authorization": f"Bearer {kiosk_token}"})
    assert answer.status_code == 401
