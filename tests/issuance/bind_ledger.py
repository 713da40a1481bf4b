"""A durable card-to-account bind ledger in its own SQLite file: the bank's side, for the issuance tests only.

It behaves as the central service's bind call must: each idempotency key is applied once and a repeat gets
the first answer; a card already bound under another key is refused. It lives in a separate file because
it stands for another system, which survives the kiosk process being killed. Only a SHA-256 of the PAN and
the masked PAN are stored.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app.flow.issuance.outcomes import BindOutcome, BindRequest


def _pan_hash(pan: str) -> str:
    return hashlib.sha256(pan.encode("ascii")).hexdigest()


class SqliteBindLedger:
    """Bind requests keyed by idempotency key; usable from several processes at once.

    Raises sqlite3.DatabaseError if the file is not a ledger.
    """

    def __init__(self, path: str | Path, *, refuse_sessions: frozenset[str] = frozenset()) -> None:
        self.path = str(path)
        self.refuse_sessions = refuse_sessions
        self._conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._conn.execute(
            """CREATE TABLE IF NOT EXISTS bindings (
                idempotency_key TEXT PRIMARY KEY,
                pan_hash TEXT NOT NULL,
                pan_masked TEXT NOT NULL,
                session_id TEXT NOT NULL,
                bound INTEGER NOT NULL,
                account_ref TEXT,
                reason TEXT NOT NULL,
                at TEXT NOT NULL
            )"""
        )
        self._conn.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS bindings_one_per_card ON bindings(pan_hash) WHERE bound = 1"
        )

    def bind(self, request: BindRequest) -> BindOutcome:
        """Bind the card to the session's account once; a repeated key returns the first answer."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            outcome = self._bind_locked(request)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return outcome

    def _bind_locked(self, request: BindRequest) -> BindOutcome:
        pan_hash = _pan_hash(request.pan)
        first = self._row(request.idempotency_key)
        if first is not None:
            if first[0] != pan_hash:
                return BindOutcome(False, None, "key_reused_for_another_card")
            return BindOutcome(bool(first[1]), first[2], first[3])
        taken = self._conn.execute("SELECT 1 FROM bindings WHERE pan_hash = ? AND bound = 1", (pan_hash,)).fetchone()
        if taken:
            outcome = BindOutcome(False, None, "card_already_bound")
        elif request.session_id in self.refuse_sessions:
            outcome = BindOutcome(False, None, "account_refused")
        else:
            outcome = BindOutcome(True, f"acct-{request.session_id}", "")
        self._conn.execute(
            "INSERT INTO bindings VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (request.idempotency_key, pan_hash, request.pan_masked, request.session_id, int(outcome.bound),
             outcome.account_ref, outcome.reason, datetime.now(UTC).isoformat()),
        )
        return outcome

    def _row(self, key: str) -> tuple | None:
        return self._conn.execute(
            "SELECT pan_hash, bound, account_ref, reason FROM bindings WHERE idempotency_key = ?", (key,)
        ).fetchone()

    def lookup(self, idempotency_key: str) -> BindOutcome | None:
        """The answer given to this key, or None if the bank never saw it (what recovery asks)."""
        row = self._row(idempotency_key)
        return None if row is None else BindOutcome(bool(row[1]), row[2], row[3])

    def bound_cards(self) -> list[tuple[str, str, str]]:
        """(pan_hash, session_id, idempotency_key) of every bound card: the campaign checks none repeats."""
        return self._conn.execute(
            "SELECT pan_hash, session_id, idempotency_key FROM bindings WHERE bound = 1 ORDER BY at"
        ).fetchall()

    @staticmethod
    def pan_hash(pan: str) -> str:
        """The ledger's key for a PAN, so a test can match emulator cards to bindings."""
        return _pan_hash(pan)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteBindLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
