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
    return None if row is None else _opened(db, appointment_id, row[0], row[1])


def _opened(db: LocalDb, appointment_id: str, sealed: str, status: str) -> StoredAppointment | None:
    payload = db.sealer.open(sealed, appointment_id)
    if payload is None:
        return None
    doc = json.loads(payload)
    doc.setdefault("status", status)
    return StoredAppointment(doc, status)


def appointment_status(db: LocalDb, appointment_id: str) -> str | None:
    """The synced status of an appointment (any branch), or None when it is not here."""
    row = db.conn.execute("SELECT status FROM appointments WHERE id = ?", (appointment_id,)).fetchone()
    return None if row is None else str(row[0])


def find_payroll_appointment(db: LocalDb, branch_id: str, batch_id: str, id_number: str) -> StoredAppointment | None:
    """The synced pickup appointment of the employee with `id_number` in payroll batch `batch_id` (the batch QR
    names the batch; the ID card names the person), or None when the feed has not brought one.

    Payloads are sealed at rest, so the branch's payroll appointments are opened in memory one by one (a branch
    holds hundreds, not millions; AES-GCM opens each in microseconds); a booked one wins over a used one.
    """
    rows = db.conn.execute(
        "SELECT id, payload, status FROM appointments WHERE branch_id = ? AND kind = 'payroll'"
        " ORDER BY status = 'booked' DESC, updated_at DESC", (branch_id,),
    ).fetchall()
    for appointment_id, sealed, status in rows:
        stored = _opened(db, appointment_id, sealed, status)
        if stored is None:
            continue
        payroll, customer = stored.doc.get("payroll") or {}, stored.doc.get("customer") or {}
        if payroll.get("batch_id") == batch_id and str(customer.get("id_number", "")).upper() == id_number.upper():
            return stored
    return None
