"""The agent as a service: workers against the reference service, heartbeat, health, graceful stop, CLI."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from sync_campaign import write_config
from synchelp import BRANCH, Kiosk, kiosk_rows

from kiosk_app.cli import cli
from sync_agent import apply, health, heartbeat, outbox
from sync_agent.agent import AgentSettings, SyncAgent
from sync_agent.clock import ServerClock
from sync_agent.heartbeat import DeviceReport, KioskReport


def wait_for(predicate: Callable[[], bool], timeout_s: float = 20.0) -> None:
    """Poll until true; a generous safety net, not a timing assumption."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def in_step(kiosk: Kiosk) -> bool:
    server = kiosk.admin.branch_state(BRANCH)
    return apply.branch_state(kiosk.db, BRANCH) == (server["count"], server["digest"])


def test_agent_pulls_pushes_beats_and_stops_gracefully(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 200, rng_seed=11, with_tokens=False)
    keys = [outbox.enqueue(kiosk.db, "s", "session_step", {"session_id": "s", "n": i}).idempotency_key
            for i in range(30)]
    report = KioskReport((DeviceReport("dispenser", "online"), DeviceReport("pinpad", "deviceBusy")), mode="open")
    settings = AgentSettings(db_path=str(kiosk.db_path), branch_id=BRANCH, long_poll_s=10, heartbeat_s=0.2,
                             push_idle_s=0.05)
    agent = SyncAgent(settings, kiosk.remote, lambda: report)
    agent.start()
    try:
        wait_for(lambda: in_step(kiosk) and outbox.depth(kiosk.db)["pending"] == 0)
        assert kiosk.admin.event_keys(BRANCH) == keys
        created = kiosk.admin.create_appointment(BRANCH)  # arrives through the long-poll
        started = time.monotonic()
        wait_for(lambda: created["id"] in kiosk_rows(kiosk.db))
        assert time.monotonic() - started < 2.0
        wait_for(lambda: kiosk.admin.stats()["heartbeats"] >= 1)
        wait_for(lambda: health.read_health(kiosk.db).state == "online")
    finally:
        stopped = time.monotonic()
        assert agent.stop(timeout_s=10)
    assert time.monotonic() - stopped < 3.0  # the long-poll in flight is abandoned, not awaited
    h = health.read_health(kiosk.db)
    assert h.last_pull_ok_at and h.last_push_ok_at and h.queue_pending == 0 and h.clock_offset_s is not None


def test_heartbeat_body_reports_devices_stock_and_queue(kiosk: Kiosk) -> None:
    outbox.enqueue(kiosk.db, "s", "session_step", {})
    heartbeat.publish_report(kiosk.db, KioskReport((DeviceReport("printer", "fraudAttempt"),), "maintenance", 180, 2))
    clock = ServerClock()
    body = heartbeat.build(kiosk.db, heartbeat.stored_report(kiosk.db), app_version="1.0", clock=clock,
                           disk_path=str(kiosk.db_path))
    assert body["devices"] == [{"device": "printer", "state": "hardwareError", "detail": "fraudAttempt"}]
    assert (body["mode"], body["card_stock"], body["bin_count"], body["outbox_depth"]) == ("maintenance", 180, 2, 1)
    assert heartbeat.beat(kiosk.db, kiosk.remote, lambda: heartbeat.stored_report(kiosk.db), app_version="1.0",
                          clock=clock, disk_path=str(kiosk.db_path)) is not None


def test_cli_status_prints_health(kiosk: Kiosk, tmp_path: Path) -> None:
    config = write_config(tmp_path, kiosk.url, kiosk.token, kiosk.db_path)
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "status"])
    assert result.exit_code == 1 and "sync: offline" in result.output
    kiosk.sync()
    health.record_link(kiosk.db, True)
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "status"])
    assert result.exit_code == 0 and "sync: online" in result.output and "0 pending" in result.output
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "status", "--json"])
    assert '"state": "online"' in result.output


def test_agent_purges_a_finished_session_once_its_events_are_acknowledged(kiosk: Kiosk) -> None:
    with kiosk.db.transaction():
        kiosk.db.conn.execute(
            "INSERT INTO kiosk_sessions (id, kind, state, started_at, ended_at, data) VALUES (?,?,?,?,?,?)",
            ("s-9", "appointment", "done", "2026-01-01T00:00:00+00:00", "2026-01-01T00:05:00+00:00",
             '{"name": "张三", "id_number": "110101199003074514"}'))
    outbox.enqueue(kiosk.db, "s-9", "session_step", {"session_id": "s-9", "name": "张三"})
    settings = AgentSettings(db_path=str(kiosk.db_path), branch_id=BRANCH, long_poll_s=1, push_idle_s=0.05,
                             retention_grace_h=0, retention_every_s=0.1)
    agent = SyncAgent(settings, kiosk.remote)
    agent.start()
    try:
        wait_for(lambda: kiosk.db.conn.execute(
            "SELECT purged_at FROM kiosk_sessions WHERE id = 's-9'").fetchone()[0] is not None)
    finally:
        agent.stop()
    assert kiosk.db.conn.execute("SELECT data FROM kiosk_sessions WHERE id = 's-9'").fetchone() == ("{}",)
    assert "张三" not in kiosk.db.conn.execute("SELECT payload FROM outbox").fetchone()[0]
