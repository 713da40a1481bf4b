"""Helpers shared by the issuance tests and the crash-campaign child process."""

from __future__ import annotations

from sync_agent.localdb import LocalDb


def add_session(db: LocalDb, session_id: str) -> str:
    """Record a session row as the journey's recorder would (issued_cards refers to it)."""
    with db.transaction() as d:
        d.execute(
            "INSERT INTO kiosk_sessions (id, kind, state, started_at) VALUES (?, 'appointment', 'issuing', ?)",
            (session_id, "2026-01-01T00:00:00+00:00"),
        )
    return session_id
