"""The change feed, snapshot and lookup: paging, compaction, tombstones, long-poll, resync, digests."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

import central_api_client as api
from central_api_client import models as m
from central_api_client.checksum import branch_digest
from tests.central.conftest import Sim


def _follow(client: api.CentralClient, branch: str, local: dict[str, m.Appointment], cursor: str | None = None,
            limit: int = 10) -> tuple[str, m.ChangePage]:
    """Apply pages until the feed is drained, as a kiosk would; returns the cursor and the last page."""
    while True:
        page = client.changes(branch, cursor, limit=limit)
        for change in page.changes:
            if isinstance(change, m.TombstoneChange):
                local.pop(change.appointment_id, None)
            else:
                local[change.appointment.id] = change.appointment
        cursor = page.cursor
        if not page.has_more:
            return cursor, page


def _digest(local: dict[str, m.Appointment]) -> str:
    return branch_digest((a.id, a.version) for a in local.values())


def _same_as_server(sim: Sim, branch: str, local: dict[str, m.Appointment]) -> None:
    server = {doc["id"]: doc for doc in sim.admin.appointments(branch)}
    assert {k: v.to_json() for k, v in local.items()} == server


def test_paged_pull_then_incremental_changes_reach_the_same_state(sim: Sim) -> None:
    sim.admin.seed(["BJ001", "SH002"], 25, rng_seed=1, with_tokens=False)
    client, local = sim.client("BJ001"), {}
    cursor, last = _follow(client, "BJ001", local)
    assert len(local) == 25 and last.branch_state.count == 25
    assert last.branch_state.digest == _digest(local)
    ids = sorted(local)
    sim.admin.update_appointment(ids[0], services={"debit_card": True, "mobile_banking": False,
                                                   "online_banking": False, "risk_assessment": False,
                                                   "credit_card": False, "wechat_binding": False,
                                                   "follow_official_account": False})
    sim.admin.cancel_appointment(ids[1])
    created = sim.admin.create_appointment("BJ001", "payroll")
    sim.admin.create_appointment("SH002")
    cursor, last = _follow(client, "BJ001", local, cursor)
    assert local[ids[0]].version == 2 and ids[1] not in local and created["id"] in local
    assert last.count == 3  # compaction: one change per appointment, other branches absent
    assert last.branch_state.digest == _digest(local) and last.branch_state.count == 25
    _same_as_server(sim, "BJ001", local)


def test_tombstone_carries_no_personal_data(sim: Sim) -> None:
    appointment = sim.admin.create_appointment("BJ001")
    client = sim.client("BJ001")
    cursor = client.changes("BJ001").cursor
    sim.admin.cancel_appointment(appointment["id"])
    (change,) = client.changes("BJ001", cursor).changes
    assert isinstance(change, m.TombstoneChange)
    assert set(change.to_json()) == {"op", "seq", "appointment_id", "version", "updated_at"}


def test_long_poll_returns_on_the_first_change_and_times_out_empty(sim: Sim) -> None:
    client = sim.client("BJ001")
    cursor = client.changes("BJ001").cursor
    started = time.monotonic()
    empty = client.changes("BJ001", cursor, wait=1)
    assert empty.changes == [] and empty.cursor == cursor and time.monotonic() - started >= 0.9
    writer = threading.Thread(target=sim.admin.create_appointment, args=("BJ001",))
    started = time.monotonic()
    writer.start()
    page = client.changes("BJ001", cursor, wait=20)
    writer.join()
    assert page.count == 1 and time.monotonic() - started < 10


def test_cursor_too_old_then_snapshot_resync_catches_up(sim: Sim) -> None:
    sim.admin.seed(["BJ001"], 30, rng_seed=2, with_tokens=False)
    client, local = sim.client("BJ001"), {}
    cursor, _ = _follow(client, "BJ001", local)
    victim = sorted(local)[0]
    sim.admin.cancel_appointment(victim)
    sim.admin.purge_tombstones("BJ001")
    with pytest.raises(api.CursorTooOld) as caught:
        client.changes("BJ001", cursor)
    assert caught.value.problem_type == "cursor-too-old"
    fresh, token = {}, None
    first = client.snapshot("BJ001", limit=7)
    while True:
        page = client.snapshot("BJ001", token, limit=7) if token else first
        fresh.update({a.id: a for a in page.appointments})
        if page.next_page_token is None:
            break
        if token is None:
            sim.admin.create_appointment("BJ001")  # a change while the snapshot is read
        token = page.next_page_token
    assert victim not in fresh
    _, last = _follow(client, "BJ001", fresh, first.cursor)
    assert last.branch_state.digest == _digest(fresh)
    _same_as_server(sim, "BJ001", fresh)


def test_page_with_a_bad_checksum_never_reaches_the_caller(sim: Sim) -> None:
    from central_api_client.client import _check_page

    sim.admin.seed(["BJ001"], 3, rng_seed=4, with_tokens=False)
    page = sim.client("BJ001").changes("BJ001").to_json()
    page["changes"][0]["appointment"]["customer"]["name"] = "李四"
    with pytest.raises(api.ProtocolError):
        _check_page(page, "changes", 200)


def test_lookup_by_token_before_the_feed(sim: Sim) -> None:
    client = sim.client("BJ001")
    cursor = client.changes("BJ001").cursor
    appointment = sim.admin.create_appointment("BJ001")
    found = client.lookup(sim.admin.token_for(appointment["id"]))
    assert found.id == appointment["id"] and found.customer.id_number == appointment["customer"]["id_number"]
    assert client.changes("BJ001", cursor).count == 1
    expired = sim.server.central.sign_token(appointment["id"], "BJ001", valid_for=timedelta(seconds=1),
                                            issued_at=sim.server.store.clock() - timedelta(days=1))
    with pytest.raises(api.Rejected) as caught:
        client.lookup(expired)
    assert caught.value.problem_type == "token-expired"
    sim.admin.cancel_appointment(appointment["id"])
    with pytest.raises(api.Conflict):
        client.lookup(sim.admin.token_for(appointment["id"]))
