"""Feed order is commit order, on both stores: whatever the interleaving of concurrent writers (some holding
their transaction open after taking a sequence number, so they commit late), a kiosk that follows the feed
from its cursor ends with every appointment at its latest version: it never skips a row.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_service.db import Database
from central_service.migrations import upgrade
from central_service.seed import make_appointment
from central_service.store import Store

# One writer's plan: (new appointment or update an existing one, ms the transaction stays open after its
# write, ms before the next write).
OPS = st.lists(st.tuples(st.sampled_from(["new", "update"]), st.integers(0, 15), st.integers(0, 5)),
               min_size=1, max_size=5)
PLANS = st.lists(OPS, min_size=2, max_size=4)


def _writer(store: Store, branch: str, ops: list[tuple[str, int, int]], ids: list[str], lock: threading.Lock,
            seed: int, errors: list[BaseException]) -> None:
    try:
        _write(store, branch, ops, ids, lock, seed)
    except BaseException as exc:  # a failed writer must fail the example, not just print in its thread
        errors.append(exc)


def _write(store: Store, branch: str, ops: list[tuple[str, int, int]], ids: list[str], lock: threading.Lock,
           seed: int) -> None:
    rng = random.Random(seed)
    for kind, hold_ms, gap_ms in ops:
        with lock:
            target = ids[rng.randrange(len(ids))] if kind == "update" and ids else None
        with store.db.tx():
            current = store.get_appointment(target) if target else None
            doc = store.put_appointment(current or make_appointment(rng, branch, "individual", datetime.now(UTC)))
            time.sleep(hold_ms / 1000)  # commit late: a later writer may commit a higher number first
        with lock:
            ids.append(doc["id"])  # others may update it once it is committed
        time.sleep(gap_ms / 1000)


def _follow(store: Store, branch: str, done: threading.Event, seen: dict[str, int]) -> None:
    """A kiosk: pages of 2 from its cursor, as fast as it can, until the writers are done and it is caught up."""
    after = 0
    while True:
        finished = done.is_set()
        rows, _ = store.feed(branch, after, 2)
        for row in rows:
            doc = json.loads(row.doc)
            seen[doc["id"]] = doc["version"]
            after = row.seq
        if not rows:
            if finished:
                return
            time.sleep(0.001)


def test_concurrent_writers_never_make_a_kiosk_miss_a_row(database_url: str, tmp_path: Path) -> None:
    db = Database(database_url)
    upgrade(db.engine)
    store = Store(db)

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(plans=PLANS, seed=st.integers(0, 2**16))
    def interleaving(plans: list[list[tuple[str, int, int]]], seed: int) -> None:
        branch = "P" + uuid.uuid4().hex[:9].upper()
        ids: list[str] = []
        lock, done, seen, errors = threading.Lock(), threading.Event(), {}, []
        reader = threading.Thread(target=_follow, args=(store, branch, done, seen))
        writers = [threading.Thread(target=_writer, args=(store, branch, ops, ids, lock, seed + i, errors))
                   for i, ops in enumerate(plans)]
        reader.start()
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(30)
        done.set()
        reader.join(30)
        assert not errors, errors
        assert seen == {doc["id"]: doc["version"] for doc in store.appointments(branch)}

    try:
        interleaving()
    finally:
        db.dispose()
