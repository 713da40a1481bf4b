"""What the kiosk routes ask of the payroll chain (lookup by batch QR + ID number; the batch-opened account
of a pickup appointment), with the payroll refusals turned into problems here, once."""

from __future__ import annotations

from typing import Any

from central_service.central import Central
from central_service.kiosk_api import Call
from central_service.payroll.pickup import PickupRefused, pickup_appointment_id
from central_service.payroll.store import PayrollStore
from central_service.problems import ApiError


def payroll_store(central: Central) -> PayrollStore:
    """The payroll tables on the service's database and clock (cheap: holds no connection)."""
    return PayrollStore(central.store.db, central.store.clock)


def pickup_lookup(call: Call, batch_id: str, id_number: str | None) -> dict[str, Any]:
    """The pickup appointment of the employee with `id_number` in the batch. Raises ApiError (422 without an ID
    number; the PickupRefused cases)."""
    if not id_number:
        raise ApiError(422, "id-number-required", "a payroll batch QR code needs the employee's ID number")
    try:
        appointment_id = pickup_appointment_id(payroll_store(call.central), batch_id, call.branch_id, id_number)
    except PickupRefused as exc:
        raise ApiError(exc.status, exc.slug, exc.detail) from None
    doc = call.central.store.get_appointment(appointment_id)
    if doc is None:
        raise ApiError(404, "payroll-entry-not-found", "no pickup appointment")
    return doc


def batch_account(call: Call, appointment_id: str | None) -> str | None:
    """The account opened with the payroll batch for this appointment, if it is a payroll pickup."""
    return payroll_store(call.central).account_for_appointment(appointment_id)
