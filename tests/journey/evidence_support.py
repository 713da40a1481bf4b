"""Reading back, as the bank's staff would (admin token), the evidence the central service keeps of a session."""

from __future__ import annotations

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
