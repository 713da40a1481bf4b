"""Reading the appointments the sync agent pulled: the journey looks one up by the QR token's id.

Why here and not in the adapter: the table is the sync agent's to write, the kiosk's to read, and every read
of the kiosk's database lives in `kiosk_app.store`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sync_agent.localdb import LocalDb


@dataclass(frozen=True)
class StoredAppointment:
    """One synced appointment: the contract document (with its status filled in) and the status column."""

    doc: dict[str, Any]
    status: str


def find_appointment(db: LocalDb, appointment_id: str, branch_id: str) -> StoredAppointment | None:
    """The synced appointment of this branch, or None when the sync agent has not brought it (yet) or its
    payload does not open with this kiosk's data key (a lost key file: the journey then fetches it by token).

    The payload is opened here, in memory, for the session that asked; it is never written back in the clear.
    """
    row = db.conn.execute(
        "SELECT payload, status FROM appointments WHERE id = ? AND branch_id = ?", (appointment_id, branch_id),
    ).fetchone()
    if row is None:
        return None
    payload = db.sealer.open(row[0], appointment_id)
    if payload is None:
        return None
    doc = json.loads(payload)
    doc.setdefault("status", row[1])
    return StoredAppointment(doc, row[1])


def appointment_status(db: LocalDb, appointment_id: str) -> str | None:
    """The synced status of an appointment (any branch), or None when it is not here."""
    row = db.conn.execute("SELECT status FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
    return None if row is None else str(row[0])
