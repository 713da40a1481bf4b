"""Approval and the batch account opening: one core-banking call for every verified entry, each answer
recorded per employee, and an appointment per opened account so kiosks see it through the branch's feed.

Why appointments: the kiosk already finds, checks and redeems appointments (feed, snapshot, one-time tokens);
an opened entry becomes a `payroll` appointment of the batch's branch and the kiosk's pickup is the usual
journey. Collection is that appointment's redemption. Retrying is safe: the core keys each person by
(batch, entry), and an entry leaves `verified` only with the core's answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from central_api_client import tokens
from central_service.core_banking import CoreBank, CoreUnavailable
from central_service.payroll.people import Employee
from central_service.payroll.states import BatchState, EntryState
from central_service.payroll.store import Batch, Company, Entry, PayrollStore
from central_service.store import Store, new_id
from central_service.timefmt import iso

# The payroll bundle: the card, e-banking and WeChat Pay for wages, the first risk assessment; no credit card
# (the employee may apply at the kiosk's services step like anyone).
PICKUP_SERVICES = {"debit_card": True, "mobile_banking": True, "online_banking": True, "risk_assessment": True,
                   "credit_card": False, "wechat_binding": True, "follow_official_account": False}


@dataclass
class OpeningReport:
    """What one opening run did, per entry id: opened, refused (reason), or still waiting (core unavailable)."""

    opened: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.waiting


class Opening:
    """Approves batches and opens their accounts through the core-banking port."""

    def __init__(self, payroll: PayrollStore, store: Store, core: CoreBank) -> None:
        self.payroll, self.store, self.core = payroll, store, core

    def approve(self, batch_id: str, *, by: str) -> OpeningReport:
        """Approve a submitted batch whose entries are all decided, then open the verified accounts.

        Raises UndecidedEntries or NotAllowedNow (not submitted); a core outage leaves the batch approved with
        its entries waiting (`report.waiting`), to be retried with `open_waiting`.
        """
        with self.payroll.db.tx() as conn:
            batch = self.payroll.batch(batch_id, conn=conn, for_update=True)
            self.payroll.mark_approved(conn, batch, by)
        return self.open_waiting(batch_id)

    def open_waiting(self, batch_id: str) -> OpeningReport:
        """Open every verified entry of an approved batch in one core call (idempotent per entry)."""
        batch = self.payroll.batch(batch_id)
        report = OpeningReport()
        if batch.state is not BatchState.APPROVED:
            return report
        waiting = list(self.payroll.with_employees(batch_id, (EntryState.VERIFIED,)))
        if not waiting:
            return report
        people = [{"ref": entry.id, "id_number": employee.id_number, "name": employee.name,
                   "date_of_birth": employee.date_of_birth.isoformat(), "card_product": batch.card_product}
                  for entry, employee in waiting]
        try:
            answers = {a["ref"]: a for a in self.core.open_accounts_batch(batch.branch_id, batch.id, people)}
        except CoreUnavailable:
            report.waiting = [entry.id for entry, _ in waiting]
            return report
        company = self.payroll.company(batch.company_id)
        for entry, employee in waiting:
            self._record(batch, company, entry, employee, answers.get(entry.id), report)
        return report

    def _record(self, batch: Batch, company: Company, entry: Entry, employee: Employee,
                answer: dict[str, Any] | None, report: OpeningReport) -> None:
        if answer is None or answer["status"] == "unavailable":
            report.waiting.append(entry.id)
            return
        with self.payroll.db.tx() as conn:
            locked = self.payroll.batch(batch.id, conn=conn, for_update=True)
            if answer["status"] == "opened":
                appointment = self.store.put_appointment(pickup_appointment(locked, company, employee,
                                                                            self.store.clock()))
                self.payroll.record_opening(conn, locked, entry.id, account=answer["account"], refusal=None,
                                            appointment_id=appointment["id"])
                report.opened.append(entry.id)
            else:
                reason = f"{answer.get('slug', 'refused')}: {answer.get('detail', '')}".strip(": ")
                self.payroll.record_opening(conn, locked, entry.id, account=None, refusal=reason,
                                            appointment_id=None)
                report.refused[entry.id] = reason


def pickup_appointment(batch: Batch, company: Company, employee: Employee, now: datetime) -> dict[str, Any]:
    """The `payroll` appointment a kiosk redeems when this employee collects the card."""
    customer = {"name": employee.name, "gender": "male" if employee.sex == "M" else "female",
                "id_type": "resident_id", "id_number": employee.id_number,
                "date_of_birth": employee.date_of_birth.isoformat(), "nationality": "CHN", "phone": employee.mobile,
                "employer": company.name}
    if employee.id_expiry is not None:
        customer["id_expiry"] = employee.id_expiry.isoformat()
    payroll = {"employer_name": company.name, "employer_credit_code": company.uscc, "batch_id": batch.id}
    if employee.employee_number:
        payroll["employee_number"] = employee.employee_number
    stamp = iso(now.replace(microsecond=0))
    return {"id": new_id("apt"), "branch_id": batch.branch_id, "kind": "payroll", "status": "booked", "version": 1,
            "created_at": stamp, "updated_at": stamp, "customer": customer, "services": dict(PICKUP_SERVICES),
            "payroll": payroll}


def batch_token(key: tokens.SigningKey, batch: Batch, now: datetime) -> str:
    """The batch QR's text: kind PAYROLL_BATCH, the batch id in the appointment field, valid to the end of
    the deadline day plus the pickup weeks after it (the same code brings employees to the kiosk)."""
    until = datetime.combine(batch.deadline + timedelta(days=60), time(23, 59, 59), UTC)
    return tokens.sign(key, appointment_id=batch.id, branch_id=batch.branch_id, kind=tokens.TokenKind.PAYROLL_BATCH,
                       issued_at=now.astimezone(UTC), not_after=max(until, now.astimezone(UTC)))
