"""Writes each step's session row, journal entry and outbox event in one local transaction; used QR tokens;
the per-person daily card count; the sessions a crash left open.

Journal and outbox records carry masked values and references only: the full personal data goes to the
central service through its real-time calls, never through the journal, which outlives retention.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
from datetime import UTC
from typing import Any

from kiosk_app.store.branch_day import BranchDay
from sync_agent import journal, outbox
from sync_agent.clock import corrected_now
from sync_agent.localdb import LocalDb

STREAM = "session-events"
UTC_DAY = BranchDay.named("UTC")


class Recorder:
    """The flow's only writer to the local database; `day` is the branch's clock and local day."""

    def __init__(self, db: LocalDb, kiosk_id: str, person_key_secret: bytes, *, day: BranchDay = UTC_DAY) -> None:
        self.db = db
        self.kiosk_id = kiosk_id
        self._secret = person_key_secret
        self.day = day

    def _now(self) -> str:
        return self.day.now().astimezone(UTC).isoformat(timespec="milliseconds")

    def person_key(self, id_number: str) -> str:
        """A keyed hash of the ID number: counts cards per person per day without storing the number."""
        return hmac.new(self._secret, id_number.upper().encode(), hashlib.sha256).hexdigest()[:32]

    def start(self, session_id: str, kind: str, appointment_id: str | None = None) -> None:
        with self.db.transaction() as d:
            d.execute(
                "INSERT INTO kiosk_sessions (id, kind, state, appointment_id, started_at) VALUES (?, ?, 'idle', ?, ?)",
                (session_id, kind, appointment_id, self._now()),
            )
            self._log(session_id, "session_started", {"kind": kind, "appointment_id": appointment_id})

    def step(self, session_id: str, state: str, detail: dict[str, Any], *, data: dict[str, Any] | None = None) -> None:
        """Record a transition: session row, step row, journal entry and outbox event, all or nothing."""
        with self.db.transaction() as d:
            sets, params = "state = ?", [state]
            if data is not None:
                sets += ", data = ?"
                params.append(json.dumps(data, ensure_ascii=False, sort_keys=True))
            d.execute(f"UPDATE kiosk_sessions SET {sets} WHERE id = ?", [*params, session_id])
            d.execute(
                "INSERT INTO session_steps (session_id, step, at, detail) VALUES (?, ?, ?, ?)",
                (session_id, state, self._now(), json.dumps(detail, ensure_ascii=False, sort_keys=True)),
            )
            self._log(session_id, "session_step", {"state": state, **detail})

    def end(self, session_id: str, outcome: str, detail: dict[str, Any]) -> None:
        """Close the session and drop its personal data from the row (only references and outcome stay).

        `ended_at` is on the server-corrected clock: retention counts its grace period from it, so a kiosk clock
        minutes off neither purges early nor keeps data forever.
        """
        ended = corrected_now(self.db).isoformat(timespec="milliseconds")
        with self.db.transaction() as d:
            d.execute(
                "UPDATE kiosk_sessions SET state = 'ended', outcome = ?, ended_at = ?, data = '{}' WHERE id = ?",
                (outcome, ended, session_id),
            )
            self._log(session_id, "session_ended", {"outcome": outcome, **detail})

    def staff_decision(self, session_id: str | None, staff_id: str, reason: str, approve: bool, note: str) -> None:
        with self.db.transaction():
            self._log(session_id, "staff_decision",
                      {"staff_id": staff_id, "reason": reason, "approve": approve, "note": note})

    def event(self, session_id: str | None, kind: str, record: dict[str, Any]) -> None:
        """A journal entry plus outbox event outside the state machine (manager actions, device events)."""
        with self.db.transaction():
            self._log(session_id, kind, record)

    def consume_token(self, token_id: str, appointment_id: str, used_at: str) -> bool:
        """Spend a QR token on this kiosk: False if it was spent before (a replay)."""
        try:
            with self.db.transaction() as d:
                d.execute("INSERT INTO used_tokens (token_id, appointment_id, used_at) VALUES (?, ?, ?)",
                          (token_id, appointment_id, used_at))
        except sqlite3.IntegrityError:
            return False
        return True

    def release_token(self, token_id: str) -> None:
        """Make a consumed QR token usable again: nothing was opened, so the appointment stays redeemable."""
        with self.db.transaction() as d:
            d.execute("DELETE FROM used_tokens WHERE token_id = ?", (token_id,))

    def cards_today(self, person_key: str) -> int:
        """Debit cards issued to this person at this kiosk on the branch's local day (from the journal)."""
        start, end = self.day.bounds()
        row = self.db.conn.execute(
            "SELECT COUNT(*) FROM journal WHERE kind = 'card_issued_to' AND at >= ? AND at < ? "
            "AND json_extract(record, '$.person_key') = ?",
            (start, end, person_key),
        ).fetchone()
        return int(row[0])

    def recover_sessions(self) -> list[str]:
        """Close sessions a crash left open: wipe their data; a token is released unless an account was opened."""
        open_rows = self.db.conn.execute("SELECT id FROM kiosk_sessions WHERE state != 'ended'").fetchall()
        closed = []
        for (session_id,) in open_rows:
            opened = self.db.conn.execute(
                "SELECT 1 FROM journal WHERE session_id = ? AND kind = 'account_opened'", (session_id,)
            ).fetchone()
            if not opened:
                for (token_id,) in self.db.conn.execute(
                    "SELECT u.token_id FROM used_tokens u JOIN kiosk_sessions s ON s.appointment_id = u.appointment_id "
                    "WHERE s.id = ?", (session_id,)
                ).fetchall():
                    self.release_token(token_id)
            self.end(session_id, "interrupted", {"recovered": True, "account_opened": bool(opened)})
            closed.append(session_id)
        return closed

    def _log(self, session_id: str | None, kind: str, record: dict[str, Any]) -> None:
        record = {"kiosk_id": self.kiosk_id, **record}
        journal.append(self.db, kind, record, session_id=session_id,
                       at=self.day.now().astimezone(UTC).isoformat(timespec="microseconds"))
        outbox.enqueue(self.db, STREAM, kind, {"session_id": session_id, **record})
