"""The staff pages over real HTTP (PageClient keeps cookies and the page's CSRF token), on SQLite and PostgreSQL:
sign-in with password and TOTP, masking by role, the audited full view, the hand-off queue, the floor's answers,
branch isolation, and the floor's event stream woken across worker processes (PostgreSQL NOTIFY)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from central_service.auth import totp
from central_service.staff.audit import AuditLog
from central_service.staff.calls import StaffCalls
from central_service.staff.directory import StaffDirectory
from central_service.staff.floor_view import build_floor
from central_service.staff.handoffs import Handoffs
from central_service.staff.seed import DEMO_PASSWORD, DemoStaff, seed_staff
from central_service.staff.web_pages import branch_zone
from central_service.testing import RunningService, sqlite_settings
from central_service.web.page_client import PageClient


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[RunningService]:
    """The service on both stores (each test runs once per store)."""
    with RunningService(sqlite_settings(tmp_path, database=database_url)) as running:
        yield running


@pytest.fixture
def people(service: RunningService) -> dict[str, DemoStaff]:
    made = seed_staff(StaffDirectory(service.store.db), ["BJ001", "SH002"])
    return {p.staff_id: p for p in made}


def signed_in(service: RunningService, person: DemoStaff) -> PageClient:
    client = PageClient(service.url)
    client.get("/staff/sign-in")
    page = client.post("/staff/sign-in", {"staff_id": person.staff_id, "password": DEMO_PASSWORD,
                                          "code": totp.code_now(person.totp_secret)})
    assert page.status_code == 200, page.text
    return client


def test_sign_in_refuses_a_wrong_code_beside_the_field_and_never_echoes_the_password(
        service: RunningService, people: dict[str, DemoStaff]) -> None:
    client = PageClient(service.url)
    assert "/staff/sign-in" in client.get("/staff/counter").url  # not signed in: sent to sign in
    client.get("/staff/sign-in")
    page = client.post("/staff/sign-in", {"staff_id": "T101", "password": DEMO_PASSWORD, "code": "000000"
                                          if totp.code_now(people["T101"].totp_secret) != "000000" else "111111"})
    assert page.status_code == 422 and 'id="e-staff_id"' in page.text and DEMO_PASSWORD not in page.text
    missing = client.post("/staff/sign-in", {"staff_id": "", "password": "", "code": ""})
    assert missing.status_code == 422 and 'id="e-password"' in missing.text and 'id="e-code"' in missing.text


def test_teller_sees_full_numbers_only_on_request_and_each_view_is_audited(
        service: RunningService, people: dict[str, DemoStaff]) -> None:
    [seeded] = service.admin.seed(["BJ001"], 1, rng_seed=5)
    doc = service.store.get_appointment(seeded.appointment_id)
    id_number, phone = doc["customer"]["id_number"], doc["customer"]["phone"]
    teller = signed_in(service, people["T101"])
    found = teller.post("/staff/counter", {"q": f"{id_number[:3]}***********{id_number[-4:]}"})
    assert seeded.appointment_id in found.text and id_number not in found.text
    assert seeded.appointment_id in teller.post("/staff/counter", {"q": phone}).text
    assert teller.post("/staff/counter", {"q": "hello"}).status_code == 422
    masked = teller.get(f"/staff/counter/customers/{seeded.appointment_id}")
    assert id_number not in masked.text and phone not in masked.text
    assert AuditLog(service.store.db).entries("BJ001", customer_ref=seeded.appointment_id) == []
    full = teller.post(f"/staff/counter/customers/{seeded.appointment_id}/full", {})
    assert id_number in full.text and phone in full.text
    [entry] = AuditLog(service.store.db).entries("BJ001", customer_ref=seeded.appointment_id)
    assert (entry.actor_id, entry.action) == ("T101", "view_full")


def test_lobby_manager_cannot_open_full_numbers(service: RunningService, people: dict[str, DemoStaff]) -> None:
    [seeded] = service.admin.seed(["BJ001"], 1, rng_seed=6)
    id_number = service.store.get_appointment(seeded.appointment_id)["customer"]["id_number"]
    manager = signed_in(service, people["M101"])
    page = manager.get(f"/staff/counter/customers/{seeded.appointment_id}")
    assert page.status_code == 200 and id_number not in page.text and "/full" not in page.text
    refused = manager.post(f"/staff/counter/customers/{seeded.appointment_id}/full", {})
    assert refused.status_code == 403 and id_number not in refused.text
    [entry] = AuditLog(service.store.db).entries("BJ001", customer_ref=seeded.appointment_id)
    assert entry.action == "view_full_refused"


def test_nobody_sees_another_branch(service: RunningService, people: dict[str, DemoStaff]) -> None:
    [other] = service.admin.seed(["SH002"], 1, rng_seed=7)
    other_doc = service.store.get_appointment(other.appointment_id)
    service.admin.add_kiosk("SH002", "上海1号机")
    StaffCalls(service.store.db).open("SH002", "k-sh002-x", "s-1", "card_jam", "2026-12-01T08:00:00Z")
    teller = signed_in(service, people["T101"])
    assert teller.get(f"/staff/counter/customers/{other.appointment_id}").status_code == 404
    assert teller.post(f"/staff/counter/customers/{other.appointment_id}/full", {}).status_code == 404
    assert other.appointment_id not in teller.post("/staff/counter", {"q": other_doc["customer"]["phone"]}).text
    manager = signed_in(service, people["M101"])
    floor = manager.get("/staff/floor").text
    assert "上海1号机" not in floor and "card_jam" not in floor
    [call] = StaffCalls(service.store.db).for_branch("SH002")
    assert manager.post(f"/staff/floor/calls/{call.call_id}/answer", {"status": "on_way"}).status_code == 404


def test_floor_answers_a_call_and_the_counter_serves_a_handoff(service: RunningService,
                                                              people: dict[str, DemoStaff]) -> None:
    db = service.store.db
    call_id = StaffCalls(db).open("BJ001", "k-bj001-1", "s-9", "card_jam", "2026-12-01T08:00:00Z")
    manager = signed_in(service, people["M101"])
    assert 'data-call="' + call_id in manager.get("/staff/floor").text
    manager.post(f"/staff/floor/calls/{call_id}/answer", {"status": "on_way"})
    assert StaffCalls(db).for_kiosk("k-bj001-1")[0].status == "on_way"
    bad = manager.post("/staff/floor/triage", {"label": "A 1!", "destination": "counter-2"})
    assert bad.status_code == 422 and 'id="e-label"' in bad.text
    manager.post("/staff/floor/triage", {"label": "A023", "destination": "counter-2"})
    assert "A023" in manager.get("/staff/floor").text
    booked = service.admin.create_appointment("BJ001", scheduled_for=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    manager.post("/staff/floor/triage", {"label": booked["id"], "destination": "counter-1"})
    assert [a.status for s in build_floor(service.store, "BJ001", branch_zone()).slots for a in s.appointments
            if a.appointment_id == booked["id"]] == ["arrived"]
    teller = signed_in(service, people["T101"])
    assert teller.get("/staff/floor").status_code == 403  # a teller has no floor
    db_events = [("session_started", {"session_id": "s-9", "kind": "appointment", "appointment_id": None}),
                 ("session_ended", {"session_id": "s-9", "outcome": "interrupted"})]
    for kind, payload in db_events:
        _push(service, kind, payload)
    [handoff] = Handoffs(db).queue("BJ001")
    queue = teller.get("/staff/counter").text
    assert f'data-session="{handoff.session_id}"' in queue
    teller.post(f"/staff/counter/handoffs/{handoff.handoff_id}/take", {})
    teller.post(f"/staff/counter/handoffs/{handoff.handoff_id}/serve", {})
    assert Handoffs(db).queue("BJ001") == []
    actions = [e.action for e in AuditLog(db).entries("BJ001")]
    assert {"call_on_way", "triage", "handoff_take", "handoff_serve"} <= set(actions)


_kiosk_tokens: dict[str, str] = {}


def _push(service: RunningService, kind: str, payload: dict) -> None:
    from central_api_client import CentralClient
    from central_api_client import models as m

    token = _kiosk_tokens.setdefault(service.url, service.admin.add_kiosk("BJ001")[1])
    with CentralClient(service.url, bearer_token=token) as client:
        client.push_events([m.Event(idempotency_key=f"{kind}-{payload['session_id']}", stream="session-events",
                                    kind=kind, occurred_at="2026-12-01T08:00:00Z", payload=payload)])


def test_a_revoked_teller_is_signed_out_at_the_next_page(service: RunningService,
                                                         people: dict[str, DemoStaff]) -> None:
    teller = signed_in(service, people["T101"])
    assert teller.get("/staff/counter").url.endswith("/staff/counter")
    StaffDirectory(service.store.db).revoke("T101")
    assert teller.get("/staff/counter").url.endswith("/staff/sign-in")


def _floor_events(url: str, cookies: dict[str, str]) -> Iterator[str]:
    """The floor's event stream as the browser reads it: one rendered floor per event."""
    import requests

    http = requests.Session()
    http.trust_env = False
    with http.get(url + "/staff/floor/stream", stream=True, timeout=(5, 15),
                  headers={"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        data: list[str] = []
        for line in response.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                yield "\n".join(data)
                data = []


def test_a_call_on_one_worker_reaches_the_floor_stream_of_another(tmp_path: Path, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share one PostgreSQL store; the embedded store has one worker")
    shared_keys = str(tmp_path / "keys")  # the nodes of a fleet share their keys (docs/security.md)
    with RunningService(sqlite_settings(tmp_path / "a", database=database_url, key_dir=shared_keys)) as a, \
            RunningService(sqlite_settings(tmp_path / "b", database=database_url, key_dir=shared_keys)) as b:
        people = {p.staff_id: p for p in seed_staff(StaffDirectory(a.store.db), ["BJ001"])}
        manager = signed_in(b, people["M101"])
        events = _floor_events(b.url, manager.cookies)
        assert 'data-session="s-far"' not in next(events)  # the floor as it is: connected
        started = time.monotonic()
        _push(a, "staff_requested", {"session_id": "s-far", "reason": "card_jam"})
        assert any('data-session="s-far"' in html for html in events)
        assert time.monotonic() - started < 2.0, "NOTIFY woke the other worker's stream"
        events.close()


def test_branch_it_revokes_staff_of_its_own_branch_only(service: RunningService,
                                                        people: dict[str, DemoStaff]) -> None:
    it = signed_in(service, people["I101"])
    page = it.get("/staff/directory")
    assert 'data-staff="M101"' in page.text and 'data-staff="M201"' not in page.text
    assert it.post("/staff/directory/M201/revoke", {}).status_code == 404  # another branch's account
    it.get("/staff/directory")  # the error page carries no form: take the page's token again
    assert it.post("/staff/directory/I101/revoke", {}).status_code == 400  # not oneself
    it.get("/staff/directory/M101/revoke")  # asks once
    assert not StaffDirectory(service.store.db).get("M101").revoked
    it.post("/staff/directory/M101/revoke", {})
    assert StaffDirectory(service.store.db).get("M101").revoked
    assert StaffDirectory(service.store.db).kiosk_credentials("BJ001")[1][0].revoked
    assert ("I101", "staff_revoke") in [(e.actor_id, e.action) for e in AuditLog(service.store.db).entries("BJ001")]
    teller = signed_in(service, people["T101"])
    assert teller.get("/staff/directory").status_code == 403
