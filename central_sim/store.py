"""The reference service's own SQLite store: appointments with their change feed, kiosks, idempotency keys.

Why one connection behind one lock: the reference service favours obviously-correct ordering over write
throughput. Every write runs in `tx()`, which takes the lock and BEGIN IMMEDIATE, so feed sequence numbers
are assigned in commit order and a reader never sees a gap that fills later. Long-polls wait on a condition
variable that every commit notifies, outside the lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from central_api_client.checksum import branch_digest, canonical_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS appointments (
    id TEXT PRIMARY KEY, branch_id TEXT NOT NULL, seq INTEGER NOT NULL UNIQUE, status TEXT NOT NULL,
    version INTEGER NOT NULL, updated_at TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS appointments_feed ON appointments (branch_id, seq);
CREATE TABLE IF NOT EXISTS horizons (branch_id TEXT PRIMARY KEY, min_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS kiosks (
    kiosk_id TEXT PRIMARY KEY, branch_id TEXT NOT NULL, name TEXT, token_hash TEXT UNIQUE,
    enrolled_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS enrolment_codes (
    code TEXT PRIMARY KEY, branch_id TEXT NOT NULL, expires_at REAL NOT NULL, used_at TEXT);
CREATE TABLE IF NOT EXISTS idempotency (
    branch_id TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (branch_id, key));
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY, branch_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, key TEXT NOT NULL,
    fingerprint TEXT NOT NULL, stream TEXT NOT NULL, kind TEXT NOT NULL, occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL, received_at TEXT NOT NULL, UNIQUE (branch_id, key));
CREATE TABLE IF NOT EXISTS heartbeats (kiosk_id TEXT PRIMARY KEY, received_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS people (
    id_number TEXT PRIMARY KEY, blocklisted INTEGER NOT NULL DEFAULT 0, holds_class1 INTEGER NOT NULL DEFAULT 0,
    outcome TEXT);
CREATE TABLE IF NOT EXISTS records (
    id TEXT PRIMARY KEY, branch_id TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT, body TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_ref ON records (kind, ref);
CREATE TABLE IF NOT EXISTS walk_ins (
    id TEXT PRIMARY KEY, branch_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, secret_hash TEXT NOT NULL,
    status TEXT NOT NULL, expires_at REAL NOT NULL, document TEXT NOT NULL, appointment_id TEXT);
"""

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def iso(moment: datetime) -> str:
    """The contract's timestamp form: UTC, whole seconds, "Z"."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id(prefix: str, length: int = 16) -> str:
    """A random object id such as `apt_3fJ9...` (matches the contract's ObjectId)."""
    return prefix + "_" + "".join(secrets.choice(_ALNUM) for _ in range(length))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    branch_id: str


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: str


class Store:
    """All state of the reference service in one SQLite file (or ":memory:")."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or (lambda: datetime.now(UTC))
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.RLock()
        self._depth = 0
        self._changed = threading.Condition()
        self._generation = 0
        self._closing = False
        self._digests: dict[str, tuple[int, int, int, str]] = {}
        self.counters: Counter[str] = Counter()
        self.epoch = self._meta("epoch", lambda: secrets.token_hex(8))
        self.secret = bytes.fromhex(self._meta("cursor_secret", lambda: secrets.token_hex(32)))
        self._seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM appointments").fetchone()[0]

    def _meta(self, key: str, make: Callable[[], str]) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row:
            return row[0]
        value = make()
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value

    def now(self) -> str:
        return iso(self.clock())

    # --- transactions and change notification --------------------------------------------------------------

    @contextlib.contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (nests); commits notify long-polls. Rolls back on any exception."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
                seq_before = self._seq
            self._depth += 1
            try:
                yield self._db
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                    self._seq = seq_before
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")
        if outer:
            self._notify()

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A consistent read under the lock."""
        with self._lock:
            yield self._db

    def _notify(self) -> None:
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def generation(self) -> int:
        with self._changed:
            return self._generation

    def wait_for_change(self, generation: int, timeout: float) -> None:
        """Block until a commit after `generation`, `timeout` seconds, or shutdown."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._generation == generation and not self._closing:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._changed.wait(left)

    def shutdown(self) -> None:
        """Release every long-poll; later waits return at once."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()

    @property
    def closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self.shutdown()
        with self._lock:
            self._db.close()

    # --- appointments and the feed -------------------------------------------------------------------------

    def next_seq(self) -> int:
        """The next feed position; only inside `tx()`."""
        self._seq += 1
        return self._seq

    def put_appointment(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an appointment at a new feed position; bumps version and updated_at."""
        with self.tx() as db:
            row = db.execute("SELECT version FROM appointments WHERE id = ?", (doc["id"],)).fetchone()
            doc = {**doc, "version": (row[0] + 1) if row else doc.get("version", 1), "updated_at": self.now()}
            doc.setdefault("created_at", doc["updated_at"])
            db.execute(
                "INSERT OR REPLACE INTO appointments (id, branch_id, seq, status, version, updated_at, doc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (doc["id"], doc["branch_id"], self.next_seq(), doc["status"], doc["version"], doc["updated_at"],
                 canonical_json(doc).decode("utf-8")),
            )
        return doc

    def put_appointments_bulk(self, docs: list[dict[str, Any]]) -> None:
        """Insert many new appointments in one transaction (seeding, benchmarks)."""
        with self.tx() as db:
            rows = []
            for doc in docs:
                rows.append((doc["id"], doc["branch_id"], self.next_seq(), doc["status"], doc["version"],
                             doc["updated_at"], canonical_json(doc).decode("utf-8")))
            db.executemany(
                "INSERT INTO appointments (id, branch_id, seq, status, version, updated_at, doc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)

    def get_appointment(self, appointment_id: str) -> dict[str, Any] | None:
        with self.read() as db:
            row = db.execute("SELECT doc FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def horizon(self, branch_id: str) -> int:
        with self.read() as db:
            row = db.execute("SELECT min_seq FROM horizons WHERE branch_id = ?", (branch_id,)).fetchone()
        return row[0] if row else 0

    def feed(self, branch_id: str, after: int, limit: int) -> tuple[list[tuple[int, str, str]], bool]:
        """Rows after `after` as (seq, status, canonical doc text), and whether more follow."""
        with self.read() as db:
            rows = db.execute(
                "SELECT seq, status, doc FROM appointments WHERE branch_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (branch_id, after, limit + 1),
            ).fetchall()
        return rows[:limit], len(rows) > limit

    def branch_state(self, branch_id: str) -> tuple[int, str]:
        """Count and digest of the branch's live appointments (cached per branch feed position)."""
        with self.read() as db:
            last, total = db.execute(
                "SELECT COALESCE(MAX(seq), 0), COUNT(*) FROM appointments WHERE branch_id = ?", (branch_id,)
            ).fetchone()
            cached = self._digests.get(branch_id)
            if cached and cached[:2] == (last, total):
                return cached[2], cached[3]
            pairs = db.execute(
                "SELECT id, version FROM appointments WHERE branch_id = ? AND status != 'cancelled'", (branch_id,)
            ).fetchall()
            digest = branch_digest(pairs)
            self._digests[branch_id] = (last, total, len(pairs), digest)
        return len(pairs), digest

    def snapshot(self, branch_id: str, after_id: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Live appointments with id > after_id, in id order."""
        with self.read() as db:
            rows = db.execute(
                "SELECT doc FROM appointments WHERE branch_id = ? AND status != 'cancelled' AND id > ?"
                " ORDER BY id LIMIT ?", (branch_id, after_id, limit + 1)).fetchall()
        return [json.loads(r[0]) for r in rows[:limit]], len(rows) > limit

    def position(self) -> int:
        """The feed position as of now (global: valid as a cursor for every branch)."""
        with self._lock:
            return self._seq

    def purge_tombstones(self, branch_id: str) -> int:
        """Forget the branch's cancelled appointments; cursors from before them become too old (410)."""
        with self.tx() as db:
            horizon = self._seq
            purged = db.execute("DELETE FROM appointments WHERE branch_id = ? AND status = 'cancelled'",
                                (branch_id,)).rowcount
            db.execute("INSERT OR REPLACE INTO horizons (branch_id, min_seq) VALUES (?, ?)", (branch_id, horizon))
        return purged

    # --- kiosks and enrolment ------------------------------------------------------------------------------

    def add_kiosk(self, branch_id: str, name: str | None = None, kiosk_id: str | None = None) -> tuple[Kiosk, str]:
        """Register a kiosk; returns it and its bearer token (shown once, stored hashed)."""
        kiosk_id = kiosk_id or f"k-{branch_id.lower()}-{secrets.token_hex(3)}"
        token = secrets.token_urlsafe(32)
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO kiosks (kiosk_id, branch_id, name, token_hash, enrolled_at)"
                       " VALUES (?, ?, ?, ?, ?)", (kiosk_id, branch_id, name, sha256(token), self.now()))
        return Kiosk(kiosk_id, branch_id), token

    def kiosk_by_token(self, token: str) -> Kiosk | None:
        with self.read() as db:
            row = db.execute("SELECT kiosk_id, branch_id FROM kiosks WHERE token_hash = ? AND revoked = 0",
                             (sha256(token),)).fetchone()
        return Kiosk(*row) if row else None

    def revoke_kiosk(self, kiosk_id: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE kiosks SET revoked = 1 WHERE kiosk_id = ?", (kiosk_id,))

    def new_enrolment_code(self, branch_id: str, ttl_s: float = 3600) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        with self.tx() as db:
            db.execute("INSERT INTO enrolment_codes (code, branch_id, expires_at) VALUES (?, ?, ?)",
                       (code, branch_id, time.time() + ttl_s))
        return code

    def use_enrolment_code(self, code: str) -> str | None:
        """The branch of a valid code, marking it used; "used" if it was used; None if unknown or expired."""
        with self.tx() as db:
            row = db.execute("SELECT branch_id, expires_at, used_at FROM enrolment_codes WHERE code = ?",
                             (code,)).fetchone()
            if row is None or row[1] < time.time():
                return None
            if row[2] is not None:
                return "used"
            db.execute("UPDATE enrolment_codes SET used_at = ? WHERE code = ?", (self.now(), code))
        return row[0]

    # --- idempotency ---------------------------------------------------------------------------------------

    def answer_for(self, branch_id: str, key: str) -> StoredAnswer | None:
        with self.read() as db:
            row = db.execute("SELECT fingerprint, status, body FROM idempotency WHERE branch_id = ? AND key = ?",
                             (branch_id, key)).fetchone()
        return StoredAnswer(*row) if row else None

    def store_answer(self, branch_id: str, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO idempotency (branch_id, key, fingerprint, status, body, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?)", (branch_id, key, fingerprint, status, body, self.now()))
        self.counters["keys_applied"] += 1

    # --- people rules and generic records -------------------------------------------------------------------

    def person(self, id_number: str) -> dict[str, Any]:
        with self.read() as db:
            row = db.execute("SELECT blocklisted, holds_class1, outcome FROM people WHERE id_number = ?",
                             (id_number,)).fetchone()
            class1 = db.execute("SELECT 1 FROM records WHERE kind = 'account' AND ref = ? AND"
                                " json_extract(body, '$.account_class') = 'I'", (sha256(id_number),)).fetchone()
        blocklisted, holds, outcome = row or (0, 0, None)
        return {"blocklisted": bool(blocklisted), "holds_class1": bool(holds or class1), "outcome": outcome}

    def set_person(self, id_number: str, **rules: Any) -> None:
        current = self.person(id_number)
        current.update(rules)
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO people (id_number, blocklisted, holds_class1, outcome)"
                       " VALUES (?, ?, ?, ?)", (id_number, int(current["blocklisted"]),
                                                int(current["holds_class1"]), current["outcome"]))

    def put_record(
        self, kind: str, record_id: str, branch_id: str, body: dict[str, Any], ref: str | None = None
    ) -> None:
        with self.tx() as db:
            db.execute("INSERT INTO records (id, branch_id, kind, ref, body, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       (record_id, branch_id, kind, ref, json.dumps(body, ensure_ascii=False), self.now()))

    def get_record(self, kind: str, record_id: str, branch_id: str) -> dict[str, Any] | None:
        """A record of this branch only (another branch's is as good as absent)."""
        with self.read() as db:
            row = db.execute("SELECT body FROM records WHERE kind = ? AND id = ? AND branch_id = ?",
                             (kind, record_id, branch_id)).fetchone()
        return json.loads(row[0]) if row else None

    def count(self, table: str, where: str = "1", params: tuple[Any, ...] = ()) -> int:
        """Row count for tests and stats (table names are the module's own constants)."""
        with self.read() as db:
            return db.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]
