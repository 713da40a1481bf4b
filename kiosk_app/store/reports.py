"""What the lobby manager's console reads back: whether a manager closed the kiosk, and a day's counts.

No personal data: outcomes, kinds and counts only.
"""

from __future__ import annotations

from sync_agent.localdb import LocalDb


def closed_by_manager(db: LocalDb) -> bool | None:
    """True/False after the last manager close/open in the journal; None when no manager ever did either."""
    row = db.conn.execute(
        "SELECT kind FROM journal WHERE kind IN ('manager_close', 'manager_open') ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return None if row is None else row[0] == "manager_close"


def sessions_by_outcome(db: LocalDb, start: str, end: str) -> dict[str, int]:
    """Sessions started in [start, end) (UTC ISO strings) by outcome ("in_progress" while running)."""
    rows = db.conn.execute(
        "SELECT COALESCE(outcome, 'in_progress'), COUNT(*) FROM kiosk_sessions "
        "WHERE started_at >= ? AND started_at < ? GROUP BY 1 ORDER BY 1", (start, end),
    ).fetchall()
    return {outcome: count for outcome, count in rows}


def cards_handed_out(db: LocalDb, start: str, end: str) -> int:
    """Cards created in [start, end) that reached a customer."""
    return int(db.conn.execute(
        "SELECT COUNT(*) FROM issued_cards WHERE location = 'customer' AND created_at >= ? AND created_at < ?",
        (start, end),
    ).fetchone()[0])
