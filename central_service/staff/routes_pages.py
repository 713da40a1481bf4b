"""The staff area's page routes (registered in app.py): (path, name, endpoint, method)."""

from __future__ import annotations

from central_service.staff import pages_counter as counter
from central_service.staff import pages_directory as directory
from central_service.staff import pages_floor as floor
from central_service.staff import pages_sign_in as sign_in


def _page(path: str, name: str, endpoint, methods=("GET", "POST")) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(path, f"{name}{m.title()}", endpoint, m) for m in methods]


ROUTES = [
    *_page("/staff/sign-in", "staffSignIn", sign_in.sign_in),
    *_page("/staff/sign-out", "staffSignOut", sign_in.sign_out, ("POST",)),
    *_page("/staff/counter", "staffCounter", counter.counter),
    *_page("/staff/counter/customers/{appointment_id}", "staffCustomer", counter.customer, ("GET",)),
    *_page("/staff/counter/customers/{appointment_id}/full", "staffCustomerFull", counter.customer_full, ("POST",)),
    *_page("/staff/counter/handoffs/{handoff_id}/{action}", "staffHandoff", counter.handoff_action, ("POST",)),
    *_page("/staff/floor", "staffFloor", floor.floor, ("GET",)),
    *_page("/staff/floor/calls/{call_id}/answer", "staffCallAnswer", floor.answer_call, ("POST",)),
    *_page("/staff/floor/triage", "staffTriage", floor.triage, ("POST",)),
    ("/staff/floor/stream", "staffFloorStream", floor.floor_stream, "GET"),
    *_page("/staff/directory", "staffDirectory", directory.directory, ("GET",)),
    *_page("/staff/directory/{staff_id}/revoke", "staffRevoke", directory.revoke),
]
