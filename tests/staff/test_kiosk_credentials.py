"""Lobby-manager PINs come from the central staff directory: the sync agent copies them into the kiosk database
over real HTTP, the kiosk's authenticator checks them, and a revocation stops the PIN within one refresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from central_api_client import CentralClient
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.testing import RunningService, sqlite_settings
from kiosk_app.flow.staff import StaffAuthenticator, hash_pin
from kiosk_app.store.staff import DirectoryPins
from sync_agent import outbox
from sync_agent.agent import AgentSettings, SyncAgent
from sync_agent.central import CentralRemote
from sync_agent.localdb import open_db
from sync_agent.push import Pusher
from tests.staff.kiosk_helpers import until

PASSWORD = "demo-password-2026"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RunningService]:
    server = RunningService(sqlite_settings(tmp_path)).start()
    try:
        yield server
    finally:
        server.close()


def test_revoked_manager_pin_stops_working_at_the_kiosk(service: RunningService, tmp_path: Path) -> None:
    directory = StaffDirectory(service.store.db)
    directory.add("M101", "BJ001", "经理", frozenset({Role.LOBBY_MANAGER}), PASSWORD, pin="246810")
    directory.add("M201", "SH002", "经理", frozenset({Role.LOBBY_MANAGER}), PASSWORD, pin="135790")
    _, token = service.admin.add_kiosk("BJ001")
    db = open_db(tmp_path / "kiosk.sqlite")
    # The kiosk's old staff file still has M101 (and an id the directory does not know).
    staff = StaffAuthenticator({"M101": hash_pin("111111"), "M009": hash_pin("999999")},
                               directory=DirectoryPins(db))
    client = CentralClient(service.url, bearer_token=token)
    agent = SyncAgent(AgentSettings(db_path=str(db.path), branch_id="BJ001", long_poll_s=1, heartbeat_s=60,
                                    staff_every_s=0.2), CentralRemote(client))
    agent.start()
    try:
        until(lambda: DirectoryPins(db)("M101") is not None)
        assert staff.authenticate("M101", "246810")  # the directory's PIN, not the file's
        assert not staff.authenticate("M101", "111111")
        assert staff.authenticate("M009", "999999")  # unknown to the directory: the file answers
        assert DirectoryPins(db)("M201") is None  # another branch's manager never reaches this kiosk
        directory.revoke("M101")
        took = until(lambda: not staff.authenticate("M101", "246810"))
        assert took < 60
        assert DirectoryPins(db)("M101").revoked
    finally:
        agent.stop(5)
        client.close()
        db.close()


def test_staff_call_jumps_the_outbox_backlog(service: RunningService, tmp_path: Path) -> None:
    _, token = service.admin.add_kiosk("BJ001")
    db = open_db(tmp_path / "kiosk.sqlite")
    for n in range(150):
        outbox.enqueue(db, "session-events", "session_step", {"session_id": "s-old", "n": n})
    outbox.enqueue(db, "session-events", "staff_requested", {"session_id": "s-1", "reason": "card_jam"})
    with CentralClient(service.url, bearer_token=token) as client:
        report = Pusher(db, CentralRemote(client), batch_size=100).push_once()
        assert report.applied == 1
        assert [c.reason for c in client.staff_calls().calls] == ["card_jam"]
        pusher = Pusher(db, CentralRemote(client), batch_size=100)
        while pusher.push_once().sent:
            pass
    assert outbox.depth(db)["pending"] == 0
    assert service.store.count("events") == 151  # the early one was not applied twice
    db.close()
