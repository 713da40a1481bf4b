"""Walk-in form sessions: the kiosk opens one, the customer's phone submits the form, the kiosk long-polls.

The kiosk's long-poll awaits its branch's change event (the phone's submission commits a new appointment in
that branch), so it holds no thread while parked.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from central_service.contract import parse_body
from central_service.kiosk_api import Call, central_of, kiosk_get, kiosk_post, media_type, read_body
from central_service.problems import ApiError, dumps, json_response
from central_service.routes_feed import MAX_WAIT
from central_service.store import new_id, sha256
from central_service.timefmt import iso

WALK_IN_TTL_S = 15 * 60
CUSTOMER_FROM_ID = ("name", "id_type", "id_number", "date_of_birth", "id_expiry", "gender")
CUSTOMER_FROM_FORM = ("phone", "address", "occupation", "employer", "email")


@kiosk_post("WalkInSessionRequest")
def create_walk_in(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    session_id, secret = new_id("wis"), secrets.token_urlsafe(24)
    ttl_s = body.get("expires_in_s", WALK_IN_TTL_S)  # the kiosk's countdown: the form expires with it
    call.central.store.add_walk_in(session_id, call.kiosk, sha256(secret), time.time() + ttl_s,
                                   dumps(body["document"]))
    return 201, _view(call, session_id, secret)


def _view(call: Call, session_id: str, secret: str | None = None) -> dict[str, Any]:
    row = call.central.store.walk_in(session_id)
    status = "expired" if row.status == "waiting" and row.expires_at < time.time() else row.status
    view: dict[str, Any] = {"session_id": session_id, "status": status,
                            "form_url": f"{call.request.base_url}forms/{session_id}?t={secret or 'hidden'}",
                            "expires_at": iso(datetime.fromtimestamp(row.expires_at, UTC))}
    if row.appointment_id:
        view["appointment"] = call.central.store.get_appointment(row.appointment_id)
    return view


@kiosk_get
async def get_walk_in(call: Call, session_id: str) -> Response:
    """The session; long-polls up to `wait` s while it is still waiting."""
    wait = call.int_arg("wait", 0, 0, MAX_WAIT)
    store, hub = call.central.store, call.central.hub
    deadline = time.monotonic() + wait
    while True:
        generation = hub.generation(call.branch_id)
        row = await run_in_threadpool(store.walk_in, session_id)
        if row is None or row.branch_id != call.branch_id:
            raise ApiError(404, "not-found", "no such walk-in session in this branch")
        left = min(deadline, time.monotonic() + max(0.0, row.expires_at - time.time())) - time.monotonic()
        if row.status != "waiting" or left <= 0 or hub.closing:
            return json_response(200, await run_in_threadpool(_view, call, session_id))
        if not await call.wait_for_change(call.branch_id, generation, left):
            return Response(status_code=204)  # the kiosk hung up: nobody reads this


async def submit_walk_in(request: Request) -> Response:
    """The phone's submission (no kiosk credentials; the form secret): creates the walk-in appointment."""
    central = central_of(request)
    raw = await read_body(request)
    session_id = request.path_params["session_id"]
    secret = request.query_params.get("t", "")

    def handle() -> Response:
        check_form_secret(central, session_id, secret)
        body = parse_body(raw, media_type(request), central.schemas, "WalkInSubmission")
        submit_form(central, session_id, secret, body)
        return json_response(202, {"status": "submitted"})
    return await run_in_threadpool(handle)


def check_form_secret(central: Any, session_id: str, secret: str) -> Any:
    """The waiting session's row. Raises ApiError 401 (unknown form or wrong secret)."""
    row = central.store.walk_in(session_id)
    if row is None or not hmac.compare_digest(row.secret_hash, sha256(secret)):
        raise ApiError(401, "form-token-invalid", "unknown form or wrong form secret")
    return row


def submit_form(central: Any, session_id: str, secret: str, body: dict[str, Any]) -> None:
    """Turn a checked submission (the contract's WalkInSubmission) into the walk-in appointment, once.

    Shared by the JSON route and the walk-in form page. Raises ApiError 401 (secret), 409 (sent before),
    410 (expired).
    """
    row = check_form_secret(central, session_id, secret)
    if row.status != "waiting":
        raise ApiError(409, "form-already-submitted", "this form was submitted before")
    if row.expires_at < time.time():
        raise ApiError(410, "session-expired", "the form session expired; start again at the kiosk")
    document = json.loads(row.document)
    customer = {k: document[k] for k in CUSTOMER_FROM_ID if k in document}
    customer.update({k: body[k] for k in CUSTOMER_FROM_FORM if k in body})
    appointment = {"id": new_id("apt"), "branch_id": row.branch_id, "kind": "walk_in", "status": "booked",
                   "version": 1, "customer": customer, "services": body["services"],
                   "tax_residency": body["tax_residency"]}
    if "risk_questionnaire" in body:
        appointment["risk_questionnaire"] = body["risk_questionnaire"]
    if not central.store.submit_walk_in(session_id, appointment):
        raise ApiError(409, "form-already-submitted", "this form was submitted before")


ROUTES = [
    ("/v1/walk-in-sessions", "createWalkInSession", create_walk_in, "POST"),
    ("/v1/walk-in-sessions/{session_id}", "getWalkInSession", get_walk_in, "GET"),
    ("/v1/forms/{session_id}/submission", "submitWalkInForm", submit_walk_in, "POST"),
]
