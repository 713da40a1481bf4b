"""Reading back, as the bank's staff would (admin token), the evidence the central service keeps of a session."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import requests

from sync_agent import journal


def admin_get(r: Any, path: str) -> dict[str, Any]:
    answer = requests.get(r.central.url + path, headers={"X-Admin-Token": r.central.admin_token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def evidence_of_last_session(r: Any) -> dict[str, Any]:
    """The evidence of the one account the rehearsal kiosk's last session opened."""
    started = [e for e in journal.entries(r.runtime.db) if e.kind == "session_started"][-1]
    accounts = admin_get(r, f"/admin/kiosk-sessions/{started.session_id}/accounts")["account_ids"]
    assert len(accounts) == 1, accounts
    return admin_get(r, f"/admin/accounts/{accounts[0]}/evidence")


def kiosk_db_text(db_path: Path) -> str:
    """Every value in every table of the kiosk's SQLite file, as text (blobs as hex and latin-1)."""
    conn = sqlite3.connect(db_path)
    try:
        parts = []
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        parts += [value.hex(), value.decode("latin-1")]
                    else:
                        parts.append(str(value))
        return "\n".join(parts)
    finally:
        conn.close()


def core_records(r: Any, kind: str) -> list[dict[str, Any]]:
    """What the simulated core bank keeps of `kind` (credit_card, mobile_banking, ...): the bank's side of it."""
    return r.central.central.core.records(kind)  # sealed at rest: read through the core
