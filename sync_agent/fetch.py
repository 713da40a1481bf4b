"""Targeted fetch: the kiosk app asks for one appointment by its QR token when the feed has not brought it.

A customer may book seconds before scanning; rather than wait for the feed, the app looks the token up and
the answer is stored like a feed row (never over a newer version), so the journey reads one table either way.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from sync_agent import apply
from sync_agent.apply import FeedRow
from sync_agent.localdb import LocalDb


class TokenLookup(Protocol):
    def lookup(self, token: str, id_number: str | None = None) -> FeedRow: ...


def local_appointment(db: LocalDb, appointment_id: str) -> dict[str, Any] | None:
    """The appointment as stored (the contract JSON, opened in memory), or None if the kiosk does not have it
    or cannot open it (sealed under a lost data key)."""
    row = db.conn.execute(
        "SELECT status, payload FROM appointments WHERE id = ?", (appointment_id,)
    ).fetchone()
    if row is None:
        return None
    payload = db.sealer.open(row[1], appointment_id)
    if payload is None:
        return None
    return json.loads(payload) | {"status": row[0]} if payload != "{}" else {"id": appointment_id, "status": row[0]}


def fetch_by_token(db: LocalDb, remote: TokenLookup, branch_id: str, token: str,
                   id_number: str | None = None) -> dict[str, Any]:
    """Look the token's appointment up on the central service and store it; the stored appointment. A payroll
    batch QR code needs the employee's `id_number` (the answer is that employee's pickup appointment).

    Raises remote.NotFound (unknown, or another branch's), remote.Offline, apply.ForeignBranchRow.
    """
    row = remote.lookup(token, id_number) if id_number else remote.lookup(token)
    apply.store_row(db, branch_id, row)
    stored = local_appointment(db, row.id)
    assert stored is not None
    return stored


def get_or_fetch(db: LocalDb, remote: TokenLookup, branch_id: str, appointment_id: str, token: str) -> dict[str, Any]:
    """The local appointment when the feed already brought it, else a targeted fetch by token."""
    return local_appointment(db, appointment_id) or fetch_by_token(db, remote, branch_id, token)
