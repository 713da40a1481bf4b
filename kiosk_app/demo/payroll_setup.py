"""The payroll chain played on the rehearsal's service for a journey script: a company with its agreement and
agent, a batch the customer joins as an employee, submitted, checked by a teller and approved (accounts opened
in one core call), or returned by the teller; the customer then holds the batch QR or a personal pickup QR.

Why here: the rehearsal kiosk is allowed to import the service it runs (it starts one); the kiosk never does.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from central_service.central import Central
from central_service.ids import make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.opening import Opening, batch_token
from central_service.payroll.people import Employee
from central_service.payroll.states import Action
from central_service.payroll.store import PayrollStore

# What a script's `setup.appointment` says about the customer's payroll entry and the QR they bring.
PAYROLL_SETUPS = ("payroll_batch", "payroll_pickup", "payroll_returned")


def payroll_customer(central: Central, branch_id: str, setup: str, person: dict[str, Any],
                     id_expiry: Any) -> tuple[dict[str, Any] | None, str]:
    """Play the chain for `person` and return (their pickup appointment or None, the QR text they scan)."""
    payroll = PayrollStore(central.store.db, central.store.clock)
    rng = random.Random(person["id_number"])
    company = payroll.register_company("演示科技有限公司", make_uscc("110105", rng), "1101051234567890", branch_id,
                                       by="demo")
    payroll.accept_agreement(company.id, company_agreement(), by="demo")
    agent = payroll.add_agent(company.id, "演示经办人", f"demo.{rng.randrange(10**6)}", "demo-password-1")[0]
    batch = payroll.create_batch(agent, "演示批次", "payroll_debit", payroll.today() + timedelta(days=7), 1)
    entry = payroll.add_entry(batch.id, Employee(person["name"], person["id_number"], id_expiry, person["phone"]))
    payroll.submit(agent, batch.id, payroll.batch(batch.id).revision)
    if setup == "payroll_returned":
        payroll.change_entry(batch.id, entry.id, Action.TELLER_RETURN, reason="身份证影像不清晰")
    else:
        payroll.change_entry(batch.id, entry.id, Action.VERIFY)
    Opening(payroll, central.store, central.core).approve(batch.id, by="demo-teller")
    appointment_id = payroll.entry(entry.id).appointment_id
    appointment = central.store.get_appointment(appointment_id) if appointment_id else None
    if setup == "payroll_pickup" and appointment is not None:
        return appointment, central.sign_token(appointment["id"], branch_id)
    return appointment, batch_token(central.signing_keys[0], payroll.batch(batch.id), central.store.clock())
