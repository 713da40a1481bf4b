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
    """The synced appointment of this branch, or None when the sync agent has not brought it (yet)."""
    row = db.conn.execute(
        "SELECT payload, status FROM appointments WHERE id = ? AND branch_id = ?", (appointment_id, branch_id),
    ).fetchone()
    return _stored(row)


def _stored(row: tuple[str, str] | None) -> StoredAppointment | None:
    if row is None:
        return None
    doc = json.loads(row[0])
    doc.setdefault("status", row[1])
    return StoredAppointment(doc, row[1])


def appointment_status(db: LocalDb, appointment_id: str) -> str | None:
    """The synced status of an appointment (any branch), or None when it is not here."""
    row = db.conn.execute("SELECT status FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
    return None if row is None else str(row[0])


def find_payroll_appointment(db: LocalDb, branch_id: str, batch_id: str, id_number: str) -> StoredAppointment | None:
    """The synced pickup appointment of the employee with `id_number` in payroll batch `batch_id` (the batch QR
    names the batch; the ID card names the person), or None when the feed has not brought one."""
    row = db.conn.execute(
        "SELECT payload, status FROM appointments WHERE branch_id = ? AND kind = 'payroll'"
        " AND json_extract(payload, '$.payroll.batch_id') = ?"
        " AND upper(json_extract(payload, '$.customer.id_number')) = ?"
        " ORDER BY status = 'booked' DESC, updated_at DESC LIMIT 1",
        (branch_id, batch_id, id_number.upper()),
    ).fetchone()
    return _stored(row)
