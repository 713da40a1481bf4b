"""The kiosk's side of the staff directory and the floor: its branch's staff credentials, and its staff calls
as the floor answered them (long-poll)."""

from __future__ import annotations

import time

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from central_service.kiosk_api import Call, kiosk_get
from central_service.problems import ApiError, json_response
from central_service.staff.calls import STATUSES, StaffCalls
from central_service.staff.directory import StaffDirectory
from central_service.staff.wakeups import kiosk_calls_key

MAX_WAIT = 30


@kiosk_get
def get_staff_credentials(call: Call, branch_id: str) -> Response:
    call.require_branch(branch_id)
    version, found = StaffDirectory(call.central.store.db).kiosk_credentials(branch_id)
    credentials = [{"staff_id": c.staff_id, "revoked": c.revoked, **({"pin_hash": c.pin_hash} if c.pin_hash else {})}
                   for c in found]
    return json_response(200, {"version": version, "credentials": credentials})


@kiosk_get
async def get_staff_calls(call: Call) -> Response:
    """The kiosk's open calls; parks until one's status differs from `seen` (or `wait` s pass)."""
    wait = call.int_arg("wait", 0, 0, MAX_WAIT)
    seen = call.request.query_params.get("seen", "open")
    if seen not in STATUSES:
        raise ApiError(400, "invalid-parameter", f"seen must be one of {', '.join(STATUSES)}",
                       errors=[{"location": "query/seen", "message": "violates 'enum'"}])
    calls, hub, key = StaffCalls(call.central.store.db), call.central.hub, kiosk_calls_key(call.kiosk.kiosk_id)
    deadline = time.monotonic() + wait
    while True:
        generation = hub.generation(key)
        found = await run_in_threadpool(calls.for_kiosk, call.kiosk.kiosk_id)
        left = deadline - time.monotonic()
        if any(c.status != seen for c in found) or left <= 0 or hub.closing:
            break
        if not await call.wait_for_change(key, generation, left):
            return Response(status_code=204)
    return json_response(200, {"calls": [c.for_kiosk() for c in found]})


ROUTES = [
    ("/v1/branches/{branch_id}/staff-credentials", "getStaffCredentials", get_staff_credentials, "GET"),
    ("/v1/staff-calls", "getStaffCalls", get_staff_calls, "GET"),
]
