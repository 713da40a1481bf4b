"""The outbox: kiosk events waiting for the central service, in order per stream.

The idempotency key is made when the row is written, before any send, so a retry after a crash carries the
same key and the server applies the event once. Rows are written in the caller's transaction, next to the
state change they report.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync_agent.localdb import LocalDb


@dataclass(frozen=True)
class OutboxEvent:
    id: int
    stream: str
    idempotency_key: str
    kind: str
    payload: dict[str, Any]
    created_at: str
    attempts: int
    state: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def enqueue(db: LocalDb, stream: str, kind: str, payload: dict[str, Any]) -> OutboxEvent:
    """Add one event; its idempotency key is fixed here for the life of the event."""
    key, created = str(uuid.uuid4()), _now()
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    with db.transaction() as d:
        cur = d.execute(
            "INSERT INTO outbox (stream, idempotency_key, kind, payload, created_at) VALUES (?,?,?,?,?)",
            (stream, key, kind, body, created),
        )
        row_id = cur.lastrowid
    return OutboxEvent(row_id, stream, key, kind, payload, created, 0, "pending")


def _event(row: tuple) -> OutboxEvent:
    return OutboxEvent(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6], row[7])


_COLUMNS = "id, stream, idempotency_key, kind, payload, created_at, attempts, state"


# Kinds a person is waiting for: the pusher sends them ahead of any backlog (the server applies each key once,
# so sending one early and again in its place is harmless).
URGENT_KINDS = ("staff_requested",)


def pending(db: LocalDb, *, stream: str | None = None, kinds: tuple[str, ...] | None = None,
            limit: int = 100) -> list[OutboxEvent]:
    """The oldest events not yet acknowledged nor quarantined (of `stream`, of `kinds`), in creation order."""
    sql = f"SELECT {_COLUMNS} FROM outbox WHERE state = 'pending'"
    params: list[Any] = []
    if stream is not None:
        sql += " AND stream = ?"
        params.append(stream)
    if kinds:
        sql += f" AND kind IN ({','.join('?' * len(kinds))})"
        params.extend(kinds)
    rows = db.conn.execute(sql + " ORDER BY id LIMIT ?", [*params, limit]).fetchall()
    return [_event(r) for r in rows]


def mark_attempt(db: LocalDb, ids: list[int], error: str | None = None) -> None:
    """Count a send attempt (and the error it met) for each event."""
    with db.transaction() as d:
        d.conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            [(error, i) for i in ids],
        )


def acknowledge(db: LocalDb, acks: dict[str, dict[str, Any]]) -> None:
    """Record the server's answers, keyed by idempotency key, atomically."""
    now = _now()
    with db.transaction() as d:
        d.conn.executemany(
            "UPDATE outbox SET state = 'acked', acked_at = ?, response = ? WHERE idempotency_key = ?",
            [(now, json.dumps(resp, ensure_ascii=False), key) for key, resp in acks.items()],
        )


def quarantine(db: LocalDb, key: str, reason: str) -> None:
    """Set aside an event the server rejected for good, so it never blocks the queue."""
    with db.transaction() as d:
        d.execute(
            "UPDATE outbox SET state = 'quarantined', last_error = ? WHERE idempotency_key = ?", (reason, key)
        )


def depth(db: LocalDb) -> dict[str, int]:
    """Event counts by state: the queue depth the health report shows."""
    rows = db.conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
    return {"pending": 0, "acked": 0, "quarantined": 0} | dict(rows)
