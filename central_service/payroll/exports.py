"""Files made from a batch: the electronic batch file the teller checks and the bank's batch system takes,
and the results file the employer downloads (CSV, UTF-8 with a byte-order mark so spreadsheet programs open
the Chinese text correctly)."""

from __future__ import annotations

import csv
import io

from central_service.payroll import batch_file
from central_service.payroll.states import EntryState
from central_service.payroll.store import PayrollStore

# What the agent submitted and the teller has not sent back.
IN_FILE = (EntryState.SUBMITTED, EntryState.VERIFIED, EntryState.OPENED, EntryState.FAILED)


def batch_file_bytes(payroll: PayrollStore, batch_id: str) -> bytes:
    """The batch file of a submitted batch. Raises NotFound, or FieldTooLong if a value does not fit."""
    batch = payroll.batch(batch_id)
    company = payroll.company(batch.company_id)
    header = batch_file.Header(batch.id, company.uscc, company.name, company.payroll_account, batch.branch_id,
                               batch.card_product, payroll.today())
    employees = tuple(
        batch_file.Employee(entry.line, entry.id, person.name, person.id_number, person.id_expiry, person.sex,
                            person.date_of_birth, person.mobile, person.employee_number)
        for entry, person in payroll.with_employees(batch_id, IN_FILE))
    return batch_file.write(batch_file.BatchFile(header, employees))


RESULT_COLUMNS = ("line", "name", "id_number", "status", "reason", "account")


def result_status(state: EntryState, appointment_status: str | None) -> str:
    """The employer's word for an entry: collected, pending (opened, card not yet taken), returned, failed,
    removed, or in_progress (not decided yet)."""
    if state is EntryState.OPENED:
        return "collected" if appointment_status == "redeemed" else "pending"
    return {EntryState.RETURNED: "returned", EntryState.FAILED: "failed",
            EntryState.REMOVED: "removed"}.get(state, "in_progress")


def results_csv(payroll: PayrollStore, batch_id: str, appointment_status: dict[str, str]) -> bytes:
    """One row per entry, masked ID number; `appointment_status` maps appointment ids to their status."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for entry, name in payroll.results(batch_id):
        status = result_status(entry.state, appointment_status.get(entry.appointment_id or ""))
        writer.writerow((entry.line, name, entry.id_masked, status, entry.reason or "",
                         entry.account_number_masked or ""))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
