"""Push against the reference service: order, batches, exactly-once effect, retry, quarantine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from synchelp import BRANCH, Kiosk, make_client

from central_api_client import models as m
from sync_agent import health, outbox, remote
from sync_agent.push import Pusher


def _enqueue(kiosk: Kiosk, n: int, stream: str = "session-1") -> list[str]:
    return [outbox.enqueue(kiosk.db, stream, "session_step", {"session_id": stream, "n": i}).idempotency_key
            for i in range(n)]


def _drain(pusher: Pusher) -> None:
    for _ in range(1000):
        if pusher.push_once().sent == 0:
            return
    raise AssertionError("outbox did not drain")


def test_drains_in_order_in_batches_each_key_applied_once(kiosk: Kiosk) -> None:
    keys = _enqueue(kiosk, 130, "s-a") + _enqueue(kiosk, 40, "s-b")
    pusher = Pusher(kiosk.db, kiosk.remote, batch_size=50)
    report = pusher.push_once()
    assert (report.sent, report.applied) == (50, 50)
    _drain(pusher)
    assert kiosk.admin.event_keys(BRANCH) == keys  # creation order, so in order within every stream
    assert kiosk.admin.stats()["events_applied"] == len(keys)
    assert outbox.depth(kiosk.db) == {"pending": 0, "acked": len(keys), "quarantined": 0}


def test_lost_answers_and_outages_never_apply_an_event_twice(kiosk: Kiosk) -> None:
    keys = _enqueue(kiosk, 60)
    pusher = Pusher(kiosk.db, kiosk.remote, batch_size=20)
    kiosk.admin.arm_fault("pushEvents", "drop", times=1, after=True)  # applied, answer lost, client retries
    pusher.push_once()
    kiosk.admin.arm_fault("pushEvents", "error", times=None, status=503, retry_after=0)
    with pytest.raises(remote.Offline):
        pusher.push_once()
    attempts = kiosk.db.conn.execute("SELECT MAX(attempts) FROM outbox WHERE state = 'pending'").fetchone()[0]
    assert attempts == 1
    kiosk.admin.clear_faults()
    kiosk.admin.arm_fault("pushEvents", "truncate", times=1, after=True)
    _drain(pusher)
    applied = kiosk.admin.event_keys(BRANCH)
    assert applied == keys and len(set(applied)) == len(applied)
    assert kiosk.admin.stats()["events_applied"] == len(keys)


def test_an_event_rejected_for_good_is_quarantined_and_the_queue_moves_on(kiosk: Kiosk) -> None:
    keys = _enqueue(kiosk, 5)
    _, token = kiosk.admin.add_kiosk(BRANCH)
    with make_client(kiosk.url, token) as other:  # the same key already used with another body
        other.push_events([m.Event(idempotency_key=keys[2], stream="x", kind="other",
                                   occurred_at=datetime.now(UTC), payload={})])
    report = Pusher(kiosk.db, kiosk.remote).push_once()
    assert (report.applied, report.quarantined) == (4, 1)
    row = kiosk.db.conn.execute("SELECT state, last_error FROM outbox WHERE idempotency_key = ?",
                                (keys[2],)).fetchone()
    assert row[0] == "quarantined" and "idempotency-key-reused" in row[1]
    h = health.read_health(kiosk.db)
    assert h.queue_quarantined == 1 and any("quarantined" in r for r in h.reasons)


def test_a_batch_refused_whole_is_split_until_the_culprit_is_alone(kiosk: Kiosk) -> None:
    keys = _enqueue(kiosk, 3)
    big = outbox.enqueue(kiosk.db, "session-1", "session_step", {"blob": "x" * (5 * 1024 * 1024)})
    keys += _enqueue(kiosk, 3)
    float_event = outbox.enqueue(kiosk.db, "session-1", "session_step", {"amount": 1.5})
    report = Pusher(kiosk.db, kiosk.remote).push_once()
    assert (report.applied, report.quarantined) == (6, 2)
    assert kiosk.admin.event_keys(BRANCH) == keys
    states = dict(kiosk.db.conn.execute("SELECT idempotency_key, state FROM outbox").fetchall())
    assert states[big.idempotency_key] == states[float_event.idempotency_key] == "quarantined"
