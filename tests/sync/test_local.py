"""The local half of the sync agent: applying pages, resync, branch digest, retention, clock and health."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync_agent import apply, health, outbox, retention, state
from sync_agent.apply import FeedRow, ForeignBranchRow, Tombstone
from sync_agent.clock import ServerClock, corrected_now
from sync_agent.localdb import LocalDb, open_db

BRANCH = "BR001"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[LocalDb]:
    with open_db(tmp_path / "k.sqlite") as d:
        yield d


def row(i: int, version: int = 1, branch: str = BRANCH, name: str = "张三") -> FeedRow:
    payload = json.dumps({"id": f"apt_{i:08d}", "customer": {"name": name}}, ensure_ascii=False)
    return FeedRow(f"apt_{i:08d}", branch, "individual", "booked", version, "2026-01-01T00:00:00Z", payload)


def rows_of(db: LocalDb) -> list[tuple]:
    """The rows with their payloads opened (they are sealed on disk)."""
    rows = db.conn.execute("SELECT id, status, version, payload FROM appointments ORDER BY id").fetchall()
    return [(i, st, v, db.sealer.open(p, i)) for i, st, v, p in rows]


def test_page_and_cursor_commit_together_and_reapply_is_harmless(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(1), row(2)], [], "c1")
    assert apply.stored_cursor(db, BRANCH) == "c1"
    apply.apply_page(db, BRANCH, [row(1), row(2)], [], "c1")
    assert [r[0] for r in rows_of(db)] == ["apt_00000001", "apt_00000002"]
    assert state.get(db, state.LAST_PULL_OK)


def test_older_version_never_replaces_newer(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(1, version=3, name="新")], [], "c1")
    apply.apply_page(db, BRANCH, [row(1, version=2, name="旧")], [], "c2")
    assert rows_of(db)[0][2] == 3 and "新" in rows_of(db)[0][3]
    assert apply.stored_cursor(db, BRANCH) == "c2"


def test_tombstone_cancels_and_removes_personal_data(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(1), row(2)], [], "c1")
    apply.apply_page(db, BRANCH, [], [Tombstone("apt_00000001", 2, "2026-01-02T00:00:00Z"),
                                      Tombstone("apt_99999999", 5, "2026-01-02T00:00:00Z")], "c2")
    assert rows_of(db)[0] == ("apt_00000001", "cancelled", 2, "{}")
    assert len(rows_of(db)) == 2  # an unknown id's tombstone has nothing to remove


def test_foreign_branch_row_refuses_the_whole_page(db: LocalDb) -> None:
    with pytest.raises(ForeignBranchRow):
        apply.apply_page(db, BRANCH, [row(1), row(2, branch="BR002")], [], "c1")
    assert rows_of(db) == [] and apply.stored_cursor(db, BRANCH) is None


def test_a_failure_inside_the_page_leaves_neither_rows_nor_cursor(db: LocalDb) -> None:
    bad = FeedRow("apt_00000009", BRANCH, "individual", None, 1, "t", "{}")  # type: ignore[arg-type]
    with pytest.raises(sqlite3.IntegrityError):
        apply.apply_page(db, BRANCH, [row(1), bad], [], "c1")
    assert rows_of(db) == [] and apply.stored_cursor(db, BRANCH) is None


def test_branch_state_matches_the_contract_definition(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(3, 2), row(1), row(2)], [Tombstone("apt_00000002", 2, "t")], "c1")
    lines = "apt_00000001:1\napt_00000003:2\n"
    assert apply.branch_state(db, BRANCH) == (2, hashlib.sha256(lines.encode()).hexdigest())


def test_resync_keeps_unsent_local_rows_and_sweeps_what_the_server_lost(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(1), row(2), row(3)], [], "old")
    event = outbox.enqueue(db, "session", "step", {"session_id": "s1"})
    progress = apply.begin_resync(db, "cursor too old")
    assert apply.begin_resync(db, "again") == progress  # resumable, not restarted
    apply.apply_snapshot_page(db, BRANCH, [row(1, 2)], "snap", "page2")
    assert apply.resync_progress(db)["page_token"] == "page2"
    apply.apply_snapshot_page(db, BRANCH, [row(3)], "snap", None)
    assert apply.finish_resync(db, BRANCH) == 1
    assert [(r[0], r[1], r[2]) for r in rows_of(db)] == [
        ("apt_00000001", "booked", 2), ("apt_00000002", "cancelled", 1), ("apt_00000003", "booked", 1)]
    assert rows_of(db)[1][3] == "{}"
    assert apply.stored_cursor(db, BRANCH) == "snap" and apply.resync_progress(db) is None
    assert [e.idempotency_key for e in outbox.pending(db)] == [event.idempotency_key]
    apply.apply_page(db, BRANCH, [row(4)], [], "next")  # rows after the resync belong to its epoch
    assert apply.begin_resync(db, "x")["epoch"] == 2


def test_a_restarted_snapshot_sweeps_rows_the_abandoned_one_stamped(db: LocalDb) -> None:
    apply.apply_page(db, BRANCH, [row(1), row(2)], [], "old")
    apply.begin_resync(db, "cursor too old")
    apply.apply_snapshot_page(db, BRANCH, [row(1), row(2)], "snap", "page2")
    apply.restart_resync(db, "the snapshot expired")  # row 2 left the server meanwhile
    apply.apply_snapshot_page(db, BRANCH, [row(1)], "snap2", None)
    assert apply.finish_resync(db, BRANCH) == 1
    assert [(r[0], r[1]) for r in rows_of(db)] == [("apt_00000001", "booked"), ("apt_00000002", "cancelled")]
    assert apply.stored_cursor(db, BRANCH) == "snap2"


def test_sweep_runs_in_slices(db: LocalDb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(apply, "SWEEP_SLICE", 3)
    apply.apply_page(db, BRANCH, [row(i) for i in range(10)], [], "old")
    apply.begin_resync(db, "divergence")
    apply.apply_snapshot_page(db, BRANCH, [row(0)], "snap", None)
    assert apply.finish_resync(db, BRANCH) == 9
    assert apply.branch_state(db, BRANCH)[0] == 1


def _session(db: LocalDb, sid: str, ended: datetime | None) -> None:
    with db.transaction():
        db.conn.execute(
            "INSERT INTO kiosk_sessions (id, kind, state, started_at, ended_at, data) VALUES (?,?,?,?,?,?)",
            (sid, "appointment", "done", "2026-01-01T00:00:00+00:00",
             ended.isoformat() if ended else None, '{"name": "张三"}'),
        )
        db.conn.execute("INSERT INTO session_steps (session_id, step, at, detail) VALUES (?,?,?,?)",
                        (sid, "scan", "t", '{"id_number": "110101199003074514"}'))


def test_retention_purges_only_acknowledged_sessions_past_grace(db: LocalDb) -> None:
    now = datetime.now(UTC)
    _session(db, "done", now - timedelta(hours=30))
    _session(db, "unacked", now - timedelta(hours=30))
    _session(db, "recent", now - timedelta(hours=1))
    _session(db, "open", None)
    acked = outbox.enqueue(db, "s", "step", {"session_id": "done", "name": "张三"})
    outbox.enqueue(db, "s", "step", {"session_id": "unacked"})
    outbox.acknowledge(db, {acked.idempotency_key: {"status": "applied"}})
    with db.transaction():  # acknowledged long ago
        db.conn.execute("UPDATE outbox SET acked_at = ?", ((now - timedelta(hours=29)).isoformat(),))
    report = retention.purge(db, grace=timedelta(hours=24), server_now=now)
    assert report == retention.PurgeReport(1, 1)
    purged = dict(db.conn.execute("SELECT id, data FROM kiosk_sessions WHERE purged_at IS NOT NULL").fetchall())
    assert purged == {"done": "{}"}
    assert db.conn.execute("SELECT detail FROM session_steps WHERE session_id = 'done'").fetchone() == ("{}",)
    assert "张三" not in db.conn.execute("SELECT payload FROM outbox WHERE state = 'acked'").fetchone()[0]
    assert retention.purge(db, grace=timedelta(hours=24), server_now=now) == retention.PurgeReport(0, 0)


def test_retention_uses_server_time_for_end_and_local_time_for_ack(db: LocalDb) -> None:
    now = datetime.now(UTC)
    _session(db, "s", now - timedelta(hours=25))
    # the kiosk clock is 2 hours fast: by the server the session ended 23 h ago, so it must wait
    assert retention.purge(db, grace=timedelta(hours=24), server_now=now - timedelta(hours=2)).sessions == 0
    assert retention.purge(db, grace=timedelta(hours=24), server_now=now).sessions == 1


def test_clock_offset_is_the_median_and_persists(db: LocalDb) -> None:
    wall = [1_000_000.0]
    clock = ServerClock(lambda: wall[0])
    server = datetime.fromtimestamp(1_000_000 + 300, UTC)
    for jitter in (0.0, 0.4, 9.0):
        clock.observe(server + timedelta(seconds=jitter), 999_999.9, 1_000_000.1)
    assert clock.offset_s == pytest.approx(300.4)
    assert clock.now().timestamp() == pytest.approx(1_000_300.4)
    clock.save(db)
    assert ServerClock.load(db).offset_s == pytest.approx(300.4)
    assert corrected_now(db, lambda: wall[0]).timestamp() == pytest.approx(1_000_300.4)


def test_health_online_offline_degraded(db: LocalDb) -> None:
    assert health.read_health(db).state == "offline"
    health.record_link(db, True)
    assert health.read_health(db).state == "online"
    later = datetime.now(UTC) + timedelta(minutes=10)
    assert health.read_health(db, now=later).state == "offline"  # the agent stopped reporting
    event = outbox.enqueue(db, "s", "step", {})
    outbox.quarantine(db, event.idempotency_key, "422 invalid")
    h = health.read_health(db)
    assert h.state == "degraded" and h.queue_quarantined == 1 and "quarantined" in h.reasons[0]
    health.record_link(db, False, "connection refused")
    assert health.read_health(db).state == "offline"
    assert health.read_health(db).as_dict()["queue_pending"] == 0


def test_a_good_page_clears_the_pull_error(db: LocalDb) -> None:
    state.put(db, state.PULL_ERROR, "pull: PageDamaged: checksum")
    health.record_link(db, True)
    assert health.read_health(db).state == "degraded"
    apply.apply_page(db, BRANCH, [row(1)], [], "c1")
    assert health.read_health(db).state == "online"


def test_redeemed_appointment_is_stored_without_personal_data() -> None:
    """A redeemed appointment can never be used at a kiosk again, so the kiosk keeps only its references."""
    from central_api_client import models as m
    from sync_agent.central import feed_row

    doc = {"id": "apt_R7FDBFS43XXH2JKB", "branch_id": "BJ001", "kind": "individual", "status": "redeemed", "version": 3,
           "created_at": "2026-11-28T10:00:00Z", "updated_at": "2026-11-28T11:00:00Z",
           "customer": {"name": "王小明", "id_type": "resident_id", "id_number": "110105199103071236",
                        "date_of_birth": "1991-03-07"},
           "services": {"debit_card": True}}
    row = feed_row(m.Appointment.model_validate(doc))
    assert (row.status, row.version, row.payload_json) == ("redeemed", 3, "{}")
    booked = feed_row(m.Appointment.model_validate({**doc, "status": "booked"}))
    assert "110105199103071236" in booked.payload_json


def test_payloads_are_sealed_on_disk_and_bound_to_their_row(db: LocalDb, tmp_path: Path) -> None:
    apply.apply_page(db, BRANCH, [row(1, name="张三丰"), row(2)], [], "c1")
    stored = dict(db.conn.execute("SELECT id, payload FROM appointments").fetchall())
    assert all(p.startswith("sealed:v1:") for p in stored.values())
    assert "张三丰".encode() not in (tmp_path / "k.sqlite").read_bytes() + (tmp_path / "k.sqlite-wal").read_bytes()
    assert db.sealer.open(stored["apt_00000001"], "apt_00000001") is not None
    assert db.sealer.open(stored["apt_00000001"], "apt_00000002") is None  # moved to another row: does not open
    key_file = tmp_path / "k.sqlite.key"
    assert key_file.stat().st_mode & 0o777 == 0o600 and len(key_file.read_bytes()) == 32


def test_a_lost_key_makes_rows_unreadable_not_wrong(db: LocalDb, tmp_path: Path) -> None:
    apply.apply_page(db, BRANCH, [row(1)], [], "c1")
    assert not apply.unreadable_rows(db, BRANCH)
    (tmp_path / "k.sqlite.key").unlink()
    with open_db(tmp_path / "k.sqlite") as reopened:
        assert reopened.sealer and reopened.data_key_created
        assert apply.unreadable_rows(reopened, BRANCH)
        from kiosk_app.store.appointments import find_appointment
        assert find_appointment(reopened, "apt_00000001", BRANCH) is None  # absent, so the journey fetches it
        apply.apply_page(reopened, BRANCH, [row(1, version=2)], [], "c2")
        assert not apply.unreadable_rows(reopened, BRANCH)
        assert find_appointment(reopened, "apt_00000001", BRANCH).doc["customer"]["name"] == "张三"


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "k.sqlite.key").write_bytes(b"short")
    with open_db(tmp_path / "k.sqlite") as d, pytest.raises(Exception, match="data key is 32 bytes"):
        d.sealer  # noqa: B018


def test_purged_personal_data_leaves_the_file_too(db: LocalDb, tmp_path: Path) -> None:
    """secure_delete: a purged value is overwritten in the file, not left in a free block for a disk reader."""
    now = datetime.now(UTC)
    _session(db, "done", now - timedelta(hours=30))
    acked = outbox.enqueue(db, "s", "step", {"session_id": "done", "name": "欧阳娜娜"})
    outbox.acknowledge(db, {acked.idempotency_key: {"status": "applied"}})
    with db.transaction():
        db.conn.execute("UPDATE outbox SET acked_at = ?", ((now - timedelta(hours=29)).isoformat(),))
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert "欧阳娜娜".encode() in (tmp_path / "k.sqlite").read_bytes()
    assert retention.purge(db, grace=timedelta(hours=24), server_now=now).sessions == 1
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert "欧阳娜娜".encode() not in (tmp_path / "k.sqlite").read_bytes()
