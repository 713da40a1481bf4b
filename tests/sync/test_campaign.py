"""The crash campaign (short in the default suite; >= 200 kills with KIOSK_LONG=1) and the fault-mode run."""

from __future__ import annotations

import os
import random
import subprocess
import threading
from pathlib import Path

import pytest
from sync_campaign import Campaign, start_agent, wait_until, write_config
from synchelp import BRANCH, kiosk_rows, server_rows

from central_service.admin import CentralAdmin
from central_service.testing import running_central
from sync_agent import apply, outbox
from sync_agent.localdb import LocalDb, open_db

SEED = int(os.environ.get("KIOSK_CAMPAIGN_SEED", "20240611"))


def _campaign(tmp_path: Path, rows: int, events: int, runs: int, kills: int) -> Campaign:
    (tmp_path / "central").mkdir()
    with running_central(tmp_path / "central") as (url, admin):
        campaign = Campaign(admin, url, tmp_path, rows, events, random.Random(SEED))
        campaign.seed()
        for _ in range(runs):
            campaign.run(kills)
        return campaign


@pytest.mark.timeout(300)
def test_sigkill_during_pull_and_push_short(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, rows=10_000, events=1_000, runs=1, kills=3)
    assert campaign.kills == 3


@pytest.mark.long
@pytest.mark.timeout(4 * 3600)
def test_sigkill_during_pull_and_push_long(tmp_path: Path) -> None:
    """At least 200 SIGKILLs: 50 fresh kiosks (10k-row pull, 1k-event push), 4 kills each, then converge."""
    campaign = _campaign(tmp_path, rows=10_000, events=1_000, runs=50, kills=4)
    assert campaign.kills >= 200 and all(campaign.kill_points.values())


FAULTS = [("getChanges", "truncate", {}), ("pushEvents", "drop", {"after": True}), ("getChanges", "drop", {}),
          ("pushEvents", "error", {"status": 500, "retry_after": 0}), ("getChanges", "throttle", {"retry_after": 1}),
          ("getChanges", "garbage", {"after": True}), ("pushEvents", "truncate", {"after": True}),
          ("getSnapshot", "truncate", {}), ("getChanges", "latency", {"latency_s": 0.5}),
          ("heartbeat", "error", {"status": 502, "retry_after": 0}), ("pushEvents", "throttle", {"retry_after": 1})]


KINDS = {"truncate", "drop", "error", "throttle", "garbage", "latency"}


def _fault_thread(admin: CentralAdmin, stop: threading.Event, rng: random.Random) -> threading.Thread:
    """Arm the faults in turn, over and over, each for a few requests of its route, until told to stop."""
    def loop() -> None:
        while not stop.is_set():
            for route, kind, params in FAULTS:
                admin.arm_fault(route, kind, times=rng.randint(1, 3), **params)
                if stop.wait(0.1):
                    return

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return thread


def _storm(admin: CentralAdmin, db: LocalDb, proc: subprocess.Popen[bytes], rng: random.Random) -> dict:
    """Faults on every route through half the push, then a forced resync under fire; the faults fired."""
    stop = threading.Event()
    faults = _fault_thread(admin, stop, rng)
    try:
        assert wait_until(lambda: outbox.depth(db)["acked"] >= 100
                          and set(admin.stats()["faults_fired"]) >= KINDS, 120, proc)
        with admin.store.db.tx():  # one commit: the kiosk cannot pull the tombstones before their purge
            for doc in admin.appointments(BRANCH)[:20]:
                admin.cancel_appointment(doc["id"])
            admin.purge_tombstones(BRANCH)  # the kiosk's cursor is now below the horizon: a resync, under fire
        assert wait_until(lambda: apply.resync_progress(db) is not None, 60, proc)
    finally:
        stop.set()
        faults.join()
        admin.clear_faults()
    return admin.stats()["faults_fired"]


@pytest.mark.timeout(300)
def test_fault_mode_drops_resets_delays_5xx_429_truncation(tmp_path: Path, database_url: str) -> None:
    """The service misbehaves on every route throughout a pull, a resync and a push; the kiosk still converges
    (on both stores)."""
    (tmp_path / "central").mkdir()
    with running_central(tmp_path / "central", database=database_url) as (url, admin):
        admin.seed([BRANCH], 3_000, rng_seed=1, with_tokens=False)
        _, token = admin.add_kiosk(BRANCH)
        db_path = tmp_path / "kiosk.sqlite"
        with open_db(db_path) as db:
            keys = [outbox.enqueue(db, "s", "session_step", {"session_id": "s", "n": i}).idempotency_key
                    for i in range(200)]
        proc = start_agent(write_config(tmp_path, url, token, db_path, long_poll_s=1))
        try:
            with LocalDb(db_path) as db:
                fired = _storm(admin, db, proc, random.Random(SEED))
                assert wait_until(lambda: outbox.depth(db)["pending"] == 0 and apply.resync_progress(db) is None
                                  and kiosk_rows(db) == server_rows(admin), 120, proc)
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
        assert set(fired) >= KINDS
        assert [k for k in admin.event_keys(BRANCH) if k in set(keys)] == keys
        assert admin.stats()["events_applied"] == len(keys)
