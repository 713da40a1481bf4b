"""Pull against the reference service on loopback: initial and incremental sync, cancellations, cursor too
old, a long offline period, divergence repair, branch scoping, targeted fetch and the clock offset."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synchelp import BRANCH, OTHER, Kiosk, assert_in_step, make_client

from central_service.testing import running_central
from sync_agent import apply, fetch, outbox, remote, state
from sync_agent.central import CentralRemote
from sync_agent.clock import ServerClock
from sync_agent.localdb import open_db
from sync_agent.pull import Puller


def test_initial_sync_brings_the_branch_and_nothing_else(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH, OTHER], 120, rng_seed=1, with_tokens=False)
    puller = kiosk.sync(kiosk.puller(page_size=50))
    assert_in_step(kiosk)
    assert len(kiosk.admin.appointments(BRANCH)) == 120
    assert puller.caught_up and apply.stored_cursor(kiosk.db, BRANCH)


def test_incremental_sync_updates_and_cancellations(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 30, rng_seed=2, with_tokens=False)
    puller = kiosk.sync()
    created = kiosk.admin.create_appointment(BRANCH, rng_seed=3)
    kiosk.admin.update_appointment(seeded[0].appointment_id, services={"debit_card": True, "credit_card": True})
    kiosk.admin.cancel_appointment(seeded[1].appointment_id)
    kiosk.sync(puller)
    assert_in_step(kiosk)
    status, payload = kiosk.db.conn.execute(
        "SELECT status, payload FROM appointments WHERE id = ?", (seeded[1].appointment_id,)).fetchone()
    assert (status, payload) == ("cancelled", "{}")  # the tombstone removed the personal data
    assert kiosk.db.conn.execute("SELECT 1 FROM appointments WHERE id = ?", (created["id"],)).fetchone()


def test_long_poll_wakes_on_a_new_appointment(kiosk: Kiosk) -> None:
    puller = kiosk.sync(kiosk.puller(long_poll_s=5))
    timer = threading.Timer(0.3, kiosk.admin.create_appointment, args=(BRANCH,))
    timer.start()
    started = datetime.now(UTC)
    step = puller.step()
    timer.join()
    assert step.kind == "page" and step.rows == 1
    assert datetime.now(UTC) - started < timedelta(seconds=3)
    assert_in_step(kiosk)


def test_cursor_too_old_resyncs_and_keeps_unsent_local_rows(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 40, rng_seed=4, with_tokens=False)
    puller = kiosk.sync(kiosk.puller(page_size=25))
    event = outbox.enqueue(kiosk.db, "session-1", "session_step", {"session_id": "s-1", "step": "scan"})
    for s in seeded[:5]:
        kiosk.admin.cancel_appointment(s.appointment_id)
    kiosk.admin.purge_tombstones(BRANCH)
    kiosk.admin.create_appointment(BRANCH)
    assert puller.step().kind == "resync_started"
    assert apply.resync_progress(kiosk.db)["reason"] == "cursor too old"
    kiosk.sync(puller)
    assert_in_step(kiosk)
    assert [e.idempotency_key for e in outbox.pending(kiosk.db)] == [event.idempotency_key]
    assert kiosk.db.conn.execute("SELECT COUNT(*) FROM appointments WHERE status = 'cancelled' AND payload != '{}'"
                                 ).fetchone()[0] == 0


def test_long_offline_period_then_catch_up(kiosk: Kiosk) -> None:
    kiosk.admin.seed([BRANCH], 20, rng_seed=5, with_tokens=False)
    puller = kiosk.sync()
    kiosk.admin.arm_fault("getChanges", "error", times=None, status=503, retry_after=0)
    with pytest.raises(remote.Offline):
        puller.step()
    kiosk.admin.seed([BRANCH], 300, rng_seed=6, with_tokens=False)  # the branch moves on meanwhile
    for appointment in kiosk.admin.appointments(BRANCH)[:10]:
        kiosk.admin.cancel_appointment(appointment["id"])
    kiosk.admin.clear_faults()
    kiosk.sync(puller)
    assert_in_step(kiosk)


def test_divergence_repairs_the_branch_only(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 30, rng_seed=7, with_tokens=False)
    puller = kiosk.sync()
    outbox.enqueue(kiosk.db, "s", "session_step", {"session_id": "s-2"})
    with kiosk.db.transaction():  # a bug or a hand edit: a row lost and one at the wrong version
        kiosk.db.conn.execute("DELETE FROM appointments WHERE id = ?", (seeded[0].appointment_id,))
        kiosk.db.conn.execute("UPDATE appointments SET version = 9 WHERE id = ?", (seeded[1].appointment_id,))
    kiosk.admin.create_appointment(BRANCH)  # the next page's branch state shows the difference
    kinds = [puller.step().kind for _ in range(3)]
    assert "resync_started" in kinds
    kiosk.sync(puller)
    assert_in_step(kiosk)
    assert outbox.depth(kiosk.db)["pending"] == 1


def test_damaged_page_is_never_applied(kiosk: Kiosk) -> None:
    puller = kiosk.sync()
    cursor = apply.stored_cursor(kiosk.db, BRANCH)
    kiosk.admin.seed([BRANCH], 10, rng_seed=8, with_tokens=False)
    kiosk.admin.arm_fault("getChanges", "garbage", times=1, after=True)
    with pytest.raises(remote.PageDamaged):
        puller.step()
    assert kiosk.db.conn.execute("SELECT COUNT(*) FROM appointments").fetchone()[0] == 0
    assert apply.stored_cursor(kiosk.db, BRANCH) == cursor
    kiosk.sync(puller)
    assert_in_step(kiosk)


def test_targeted_fetch_by_token_before_the_feed(kiosk: Kiosk) -> None:
    kiosk.sync()
    epoch = apply.current_epoch(kiosk.db)  # the first sync was the snapshot's
    created = kiosk.admin.create_appointment(BRANCH)
    token = kiosk.admin.token_for(created["id"])
    got = fetch.get_or_fetch(kiosk.db, kiosk.remote, BRANCH, created["id"], token)
    assert got["id"] == created["id"] and got["customer"]["name"] == created["customer"]["name"]
    kiosk.sync()  # the feed then brings the same version: no divergence, no resync
    assert_in_step(kiosk)
    assert apply.current_epoch(kiosk.db) == epoch
    other = kiosk.admin.create_appointment(OTHER)
    with pytest.raises(remote.RemoteError):  # another branch's token is refused by the service
        fetch.fetch_by_token(kiosk.db, kiosk.remote, BRANCH, kiosk.admin.token_for(other["id"]))
    assert kiosk.db.conn.execute("SELECT 1 FROM appointments WHERE id = ?", (other["id"],)).fetchone() is None


def test_clock_offset_from_server_time(tmp_path: Path) -> None:
    ahead = timedelta(minutes=7)
    (tmp_path / "c").mkdir()
    with running_central(tmp_path / "c", clock=lambda: datetime.now(UTC) + ahead) as (url, admin):
        _, token = admin.add_kiosk(BRANCH)
        with make_client(url, token) as client, open_db(tmp_path / "k.sqlite") as db:
            clock = ServerClock()
            puller = Puller(db, CentralRemote(client), BRANCH, long_poll_s=0, clock=clock)
            assert [puller.step().kind for _ in range(2)] == ["resync_started", "snapshot"]  # a new kiosk
            assert clock.offset_s == pytest.approx(ahead.total_seconds(), abs=1.0)
            clock.save(db)
            assert state.get(db, state.CLOCK_OFFSET) == pytest.approx(420, abs=1.0)


def test_a_version_only_divergence_is_found_by_the_digest(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 10, rng_seed=9, with_tokens=False)
    puller = kiosk.sync(kiosk.puller(digest_every_s=0))
    with kiosk.db.transaction():  # same count, another version: only the digest can tell
        kiosk.db.conn.execute("UPDATE appointments SET version = 7 WHERE id = ?", (seeded[3].appointment_id,))
    kinds = [puller.step().kind for _ in range(2)]
    assert kinds == ["idle", "resync_started"]
    kiosk.sync(puller)
    assert_in_step(kiosk)


def test_a_snapshot_expiring_mid_resync_still_converges(kiosk: Kiosk) -> None:
    seeded = kiosk.admin.seed([BRANCH], 60, rng_seed=10, with_tokens=False)
    puller = kiosk.sync(kiosk.puller(page_size=20, snapshot_block=20))
    kiosk.admin.cancel_appointment(seeded[-1].appointment_id)
    kiosk.admin.purge_tombstones(BRANCH)
    assert puller.step().kind == "resync_started"
    assert puller.step().kind == "snapshot"  # the first 20 rows, stamped
    first = sorted(s.appointment_id for s in seeded)[0]
    kiosk.admin.cancel_appointment(first)  # one of them leaves the server, and the snapshot expires
    kiosk.admin.purge_tombstones(BRANCH)
    # The rest of the answer may already be on its way (then the feed after it says "too old": a new resync)
    # or the service ends it as expired: either way the kiosk converges without the cancelled row.
    kiosk.sync(puller)
    assert_in_step(kiosk)
    assert puller.step().kind == "idle"  # and no divergence afterwards


def test_a_lost_data_key_rebuilds_the_branch_and_nothing_breaks(kiosk: Kiosk) -> None:
    """The key file is gone after a restart: a new key is made, the rows sealed under the old one are rebuilt
    from the snapshot, and the kiosk is in step again (the PII on disk stays sealed throughout)."""
    kiosk.admin.seed([BRANCH], 15, rng_seed=8, with_tokens=False)
    kiosk.sync()
    kiosk.db.close()
    key_file = Path(f"{kiosk.db_path}.key")
    key_file.unlink()
    with open_db(kiosk.db_path) as restarted:
        kiosk.db = restarted
        puller = kiosk.puller()
        assert puller.step().kind == "resync_started"
        assert "data key" in apply.resync_progress(restarted)["reason"]
        kiosk.sync(puller)
        assert_in_step(kiosk)
        assert not apply.unreadable_rows(restarted, BRANCH) and key_file.exists()
