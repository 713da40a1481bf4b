"""The sync agent's small key-value state in the shared database, readable by the kiosk app.

Why a table rather than a file: a value changes in the same transaction as the page or acknowledgement it
describes, so health never claims a pull that was rolled back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sync_agent.localdb import LocalDb

LAST_PULL_OK = "last_pull_ok_at"
LAST_PUSH_OK = "last_push_ok_at"
LAST_CONTACT = "last_contact"
CLOCK_OFFSET = "clock_offset_s"
RESYNC = "resync"
EPOCH = "epoch"
LINK = "link"
PULL_ERROR = "pull_error"
PUSH_ERROR = "push_error"
KIOSK_REPORT = "kiosk_report"


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def get(db: LocalDb, key: str, default: Any = None) -> Any:
    """The stored value of `key` (decoded JSON), or `default`."""
    row = db.conn.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
    return default if row is None else json.loads(row[0])


def get_all(db: LocalDb) -> dict[str, Any]:
    """Every stored value, decoded: one read for the health report."""
    rows = db.conn.execute("SELECT key, value FROM sync_state").fetchall()
    return {key: json.loads(value) for key, value in rows}


def put(db: LocalDb, key: str, value: Any) -> None:
    """Store `value` under `key` (inside the caller's transaction when there is one)."""
    with db.transaction() as d:
        d.execute(
            "INSERT INTO sync_state (key, value, updated_at) VALUES (?,?,?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value, ensure_ascii=False, sort_keys=True), utc_now_iso()),
        )


def delete(db: LocalDb, key: str) -> None:
    with db.transaction() as d:
        d.execute("DELETE FROM sync_state WHERE key = ?", (key,))
