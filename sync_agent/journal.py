"""The electronic journal: every step the kiosk takes, chained by SHA-256 so an edit shows.

Each row's hash covers its sequence number, time, kind, session and record plus the previous row's hash;
`journal_head` holds the last (seq, hash) and is written in the same transaction, so deleting the newest
rows is caught too. Callers write journal rows inside the same `LocalDb.transaction()` as the state change
they record. Records must already be masked: the journal outlives the retention of personal data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync_agent.localdb import LocalDb

GENESIS = "0" * 64


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: str
    kind: str
    session_id: str | None
    record: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the chain: intact, or the first sequence number where it breaks and why."""

    intact: bool
    rows: int
    broken_at: int | None = None
    reason: str = ""


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _digest(prev: str, seq: int, at: str, kind: str, session_id: str | None, record_json: str) -> str:
    material = "\x1f".join([prev, str(seq), at, kind, session_id or "", record_json])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def append(
    db: LocalDb, kind: str, record: dict[str, Any], *, session_id: str | None = None, at: str | None = None
) -> JournalEntry:
    """Append one record to the journal (inside the caller's transaction when there is one)."""
    record_json = _canonical(record)
    with db.transaction() as d:
        head = d.execute("SELECT seq, hash FROM journal_head WHERE id = 1").fetchone()
        seq, prev = (head[0] + 1, head[1]) if head else (1, GENESIS)
        at = at or _now()
        digest = _digest(prev, seq, at, kind, session_id, record_json)
        d.execute(
            "INSERT INTO journal (seq, at, kind, session_id, record, prev_hash, hash) VALUES (?,?,?,?,?,?,?)",
            (seq, at, kind, session_id, record_json, prev, digest),
        )
        d.execute(
            "INSERT INTO journal_head (id, seq, hash) VALUES (1, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            (seq, digest),
        )
    return JournalEntry(seq, at, kind, session_id, record, digest)


def verify_chain(db: LocalDb) -> ChainReport:
    """Walk the journal from the start and report the first broken link, if any."""
    prev, expected_seq, rows = GENESIS, 1, 0
    cursor = db.conn.execute(
        "SELECT seq, at, kind, session_id, record, prev_hash, hash FROM journal ORDER BY seq"
    )
    for seq, at, kind, session_id, record_json, prev_hash, digest in cursor:
        rows += 1
        if seq != expected_seq:
            return ChainReport(False, rows, expected_seq, f"row {expected_seq} is missing")
        if prev_hash != prev:
            return ChainReport(False, rows, seq, f"row {seq} does not follow row {seq - 1}")
        if _digest(prev, seq, at, kind, session_id, record_json) != digest:
            return ChainReport(False, rows, seq, f"row {seq} was altered")
        prev, expected_seq = digest, seq + 1
    head = db.conn.execute("SELECT seq, hash FROM journal_head WHERE id = 1").fetchone()
    if head is None and rows:
        return ChainReport(False, rows, None, "journal head is missing")
    if head is not None and (head[0], head[1]) != (expected_seq - 1, prev):
        return ChainReport(False, rows, expected_seq, f"rows after {expected_seq - 1} were removed")
    return ChainReport(True, rows)


def entries(db: LocalDb, *, session_id: str | None = None, after_seq: int = 0) -> list[JournalEntry]:
    """Journal rows in order, optionally for one session only."""
    sql = "SELECT seq, at, kind, session_id, record, hash FROM journal WHERE seq > ?"
    params: list[Any] = [after_seq]
    if session_id is not None:
        sql += " AND session_id = ?"
        params.append(session_id)
    rows = db.conn.execute(sql + " ORDER BY seq", params).fetchall()
    return [JournalEntry(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5]) for r in rows]
