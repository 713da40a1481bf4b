"""The kiosk's side of the payroll chain: the batch QR plus an ID number names one employee's pickup
appointment; a payroll appointment's account, opened in batch, is the one the card read at the kiosk is bound
to (instead of opening a second account)."""

from __future__ import annotations

from central_service.payroll.errors import NotFound
from central_service.payroll.states import EntryState
from central_service.payroll.store import PayrollStore


class PickupRefused(Exception):
    """The employee cannot collect a card with this batch QR; `slug` names why (a kiosk error key follows it)."""

    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(f"{status} {slug}: {detail}")
        self.status, self.slug, self.detail = status, slug, detail


def pickup_appointment_id(payroll: PayrollStore, batch_id: str, branch_id: str, id_number: str) -> str:
    """The appointment a kiosk redeems for this employee of the batch.

    Raises PickupRefused: 404 payroll-entry-not-found (no such batch here, or nobody with this ID number in it),
    409 payroll-entry-returned (the agent or teller sent it back, or the core refused it), 409 payroll-not-ready
    (not approved and opened yet).
    """
    try:
        batch = payroll.batch(batch_id)
    except NotFound:
        batch = None
    if batch is None or batch.branch_id != branch_id:
        raise PickupRefused(404, "payroll-entry-not-found", "no such payroll batch at this branch")
    entry = payroll.find_entry(batch_id, id_number)
    if entry is None or entry.state is EntryState.REMOVED:
        raise PickupRefused(404, "payroll-entry-not-found", "this ID number is not in the batch")
    if entry.state in (EntryState.RETURNED, EntryState.FAILED):
        raise PickupRefused(409, "payroll-entry-returned", "the entry was returned; the employer has the reason")
    if entry.state is not EntryState.OPENED or entry.appointment_id is None:
        raise PickupRefused(409, "payroll-not-ready", "the batch is not approved and opened yet")
    return entry.appointment_id
