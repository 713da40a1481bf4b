"""Writes each step's session row, journal entry and outbox event in one local transaction.

Journal and outbox records carry masked values and references only: the full personal data goes to the
central service through its real-time calls, never through the journal, which outlives retention.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sync_agent import journal, outbox
from sync_agent.clock import corrected_now
from sync_agent.localdb import LocalDb

STREAM = "session-events"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Recorder:
    """The flow's only writer to the local database."""

    def __init__(self, db: LocalDb, kiosk_id: str, person_key_secret: bytes) -> None:
        self.db = db
        self.kiosk_id = kiosk_id
        self._secret = person_key_secret

    def person_key(self, id_number: str) -> str:
        """A keyed hash of the ID number: counts cards per person per day without storing the number."""
        return hmac.new(self._secret, id_number.upper().encode(), hashlib.sha256).hexdigest()[:32]

    def start(self, session_id: str, kind: str, appointment_id: str | None = None) -> None:
        with self.db.transaction() as d:
            d.execute(
                "INSERT INTO kiosk_sessions (id, kind, state, appointment_id, started_at) VALUES (?, ?, 'idle', ?, ?)",
                (session_id, kind, appointment_id, _now()),
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
                (session_id, state, _now(), json.dumps(detail, ensure_ascii=False, sort_keys=True)),
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

    def release_token(self, token_id: str) -> None:
        """Make a consumed QR token usable again: nothing was opened, so the appointment stays redeemable."""
        with self.db.transaction() as d:
            d.execute("DELETE FROM used_tokens WHERE token_id = ?", (token_id,))

    def cards_today(self, person_key: str) -> int:
        """Debit cards issued to this person at this kiosk since midnight UTC (from the journal)."""
        day = datetime.now(UTC).date().isoformat()
        row = self.db.conn.execute(
            "SELECT COUNT(*) FROM journal WHERE kind = 'card_issued_to' AND at >= ? "
            "AND json_extract(record, '$.person_key') = ?",
            (day, person_key),
        ).fetchone()
        return int(row[0])

    def _log(self, session_id: str | None, kind: str, record: dict[str, Any]) -> None:
        record = {"kiosk_id": self.kiosk_id, **record}
        journal.append(self.db, kind, record, session_id=session_id)
        outbox.enqueue(self.db, STREAM, kind, {"session_id": session_id, **record})
