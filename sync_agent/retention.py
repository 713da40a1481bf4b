"""Retention: the personal data of finished sessions is purged once the central service has it.

A session is purgeable when it has ended, every outbox event about it (payload `session_id`) is acknowledged,
and the grace period has passed both since it ended (on the server-corrected clock, the clock the kiosk app
stamps `ended_at` with) and since its last acknowledgement (on the kiosk's own clock, which stamped
`acked_at`), so a clock minutes off can neither purge early nor keep data forever. Purging blanks the
session's data, its steps' details and its acknowledged events' payloads and answers, and journals the purge;
the journal itself only ever held masked values. A quarantined event keeps its session until staff resolve it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync_agent import journal
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)

SLICE = 50
PURGED_PAYLOAD = '{"purged":true}'

_CANDIDATES = """
SELECT s.id FROM kiosk_sessions s
WHERE s.ended_at IS NOT NULL AND s.purged_at IS NULL AND julianday(s.ended_at) <= julianday(:ended_before)
  AND NOT EXISTS (
    SELECT 1 FROM outbox o WHERE json_extract(o.payload, '$.session_id') = +s.id  -- '+': use outbox_session
      AND (o.state != 'acked' OR julianday(o.acked_at) > julianday(:acked_before)))
ORDER BY s.ended_at LIMIT :limit
"""


@dataclass(frozen=True)
class PurgeReport:
    sessions: int
    events: int


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _purge_one(db: LocalDb, session_id: str, at: str) -> int:
    db.conn.execute("UPDATE kiosk_sessions SET data = '{}', purged_at = ? WHERE id = ?", (at, session_id))
    db.conn.execute("UPDATE session_steps SET detail = '{}' WHERE session_id = ?", (session_id,))
    events = db.conn.execute(
        "UPDATE outbox SET payload = ?, response = NULL WHERE state = 'acked' "
        "AND json_extract(payload, '$.session_id') = ?",
        (PURGED_PAYLOAD, session_id),
    ).rowcount
    journal.append(db, "retention.purged", {"events": events}, session_id=session_id, at=at)
    return events


def purge(
    db: LocalDb, *, grace: timedelta, server_now: datetime, local_now: datetime | None = None
) -> PurgeReport:
    """Purge every purgeable session, a slice per transaction so the kiosk app never waits long."""
    local_now = local_now or datetime.now(UTC)
    params = {"ended_before": _iso(server_now - grace), "acked_before": _iso(local_now - grace), "limit": SLICE}
    sessions = events = 0
    while True:
        with db.transaction():
            ids = [r[0] for r in db.conn.execute(_CANDIDATES, params).fetchall()]
            for session_id in ids:
                events += _purge_one(db, session_id, _iso(server_now))
        sessions += len(ids)
        if len(ids) < SLICE:
            break
    if sessions:
        log.info("retention purged personal data", extra={"sessions": sessions, "events": events})
    return PurgeReport(sessions, events)
