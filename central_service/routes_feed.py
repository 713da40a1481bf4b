"""Routes for identity, the change feed, the paged snapshot, lookup by token, redemption and the kiosk's
pushes (events, heartbeats).

The feed long-poll is a coroutine: it reads in the threadpool, then awaits the branch's change event (no
thread held while parked).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from central_api_client import tokens
from central_api_client.checksum import fingerprint, page_checksum
from central_service.contract import parse_body
from central_service.cursors import check_position, decode_cursor, encode_cursor
from central_service.enrolment_ca import CsrRejected, load_csr
from central_service.kiosk_api import Call, central_of, kiosk_get, kiosk_post, media_type, read_body
from central_service.payroll import kiosk_routes as payroll_routes
from central_service.problems import ApiError, dumps, json_response
from central_service.staff.kiosk_events import on_kiosk_event
from central_service.store import FeedRow
from central_service.timefmt import iso

MAX_WAIT = 30


def _position(call: Call, branch_id: str, text: str | None, kind: str) -> dict[str, Any]:
    """The decoded cursor/page token (or the start of the feed), checked for branch, epoch and horizon."""
    store = call.central.store
    horizon = store.horizon(branch_id)
    if text is None:
        return {"b": branch_id, "s": 0, "e": store.epoch, "k": kind, "p": horizon}
    fields = decode_cursor(store.secret, text)
    return check_position(fields, kind=kind, branch_id=branch_id, epoch=store.epoch, horizon=horizon)


def check_csr(csr_pem: str) -> None:
    """Raises ApiError 400 csr-invalid unless the CSR is well formed, self-signed and of an acceptable key."""
    try:
        load_csr(csr_pem)
    except CsrRejected as exc:
        raise ApiError(400, "csr-invalid", str(exc)) from None


def _change_text(row: FeedRow) -> str:
    """The canonical JSON of one change, spliced from the stored canonical document (keys stay sorted)."""
    if row.status == "cancelled":
        fields = json.loads(row.doc)
        return dumps({"op": "tombstone", "seq": row.seq, "appointment_id": fields["id"],
                      "version": fields["version"], "updated_at": fields["updated_at"]})
    return f'{{"appointment":{row.doc},"op":"upsert","seq":{row.seq}}}'


def _feed_page(call: Call, position: dict[str, Any], rows: list[FeedRow], more: bool,
               state: tuple[int, str] | None) -> Response:
    store = call.central.store
    changes = "[" + ",".join(_change_text(row) for row in rows) + "]"
    cursor = encode_cursor(store.secret, {**position, "s": rows[-1].seq if rows else position["s"]})
    rest: dict[str, Any] = {"cursor": cursor, "has_more": more, "count": len(rows), "server_time": store.now(),
                            "checksum": hashlib.sha256(changes.encode("utf-8")).hexdigest()}
    if state is not None:
        rest["branch_state"] = {"count": state[0], "digest": state[1]}
    return json_response(200, None, raw='{"changes":' + changes + "," + dumps(rest)[1:])


@kiosk_get
async def get_changes(call: Call, branch_id: str) -> Response:
    """One page of the feed; long-polls (awaiting the branch's change event) when nothing follows the cursor."""
    call.require_branch(branch_id)
    limit, wait = call.int_arg("limit", 200, 1, 1000), call.int_arg("wait", 0, 0, MAX_WAIT)
    store, hub = call.central.store, call.central.hub
    position = await run_in_threadpool(_position, call, branch_id, call.request.query_params.get("cursor"),
                                       "cursor")
    deadline = time.monotonic() + wait
    while True:
        generation = hub.generation(branch_id)
        rows, more, state = await run_in_threadpool(store.feed_page, branch_id, position["s"], limit)
        left = deadline - time.monotonic()
        if rows or left <= 0 or hub.closing:
            break
        if not await call.wait_for_change(branch_id, generation, left):
            return Response(status_code=204)  # the kiosk hung up: nobody reads this
    return await run_in_threadpool(_feed_page, call, position, rows, more, state)


def snapshot_position(call: Call, branch_id: str, token: str | None) -> dict[str, Any]:
    """A snapshot's fields: fixed now for a new one, or decoded from a page/resume token and checked.

    Shared by the paged and the streamed snapshot. Raises ApiError 400/403/410 for a token that is not this
    service's, another branch's, or from before a purge.
    """
    store = call.central.store
    if token is None:
        return {"b": branch_id, "s": store.position(branch_id), "e": store.epoch, "k": "snapshot", "a": "",
                "p": store.horizon(branch_id)}
    fields = _position(call, branch_id, token, "snapshot")
    if not isinstance(fields.get("a"), str):
        raise ApiError(400, "invalid-cursor", "the page token was not issued by this service")
    return fields


@kiosk_get
def get_snapshot(call: Call, branch_id: str) -> Response:
    """One page of the live appointments, by id; the feed cursor is fixed by the first page."""
    call.require_branch(branch_id)
    limit = call.int_arg("limit", 200, 1, 1000)
    store = call.central.store
    fields = snapshot_position(call, branch_id, call.request.query_params.get("page_token"))
    items, more = store.snapshot(branch_id, fields["a"], limit)
    cursor = encode_cursor(store.secret, {"b": branch_id, "s": fields["s"], "e": store.epoch, "k": "cursor",
                                          "p": fields["p"]})
    page: dict[str, Any] = {"appointments": items, "cursor": cursor, "count": len(items),
                            "checksum": page_checksum(items), "server_time": store.now()}
    if more:
        page["next_page_token"] = encode_cursor(store.secret, {**fields, "a": items[-1]["id"]})
    return json_response(200, page)


async def enrol(request: Request) -> Response:
    """One-time code -> kiosk identity and token keys (no kiosk credentials yet)."""
    central = central_of(request)
    raw = await read_body(request)

    def handle() -> Response:
        body = parse_body(raw, media_type(request), central.schemas, "EnrolmentRequest")
        csr = body.get("csr_pem") if central.enrolment_ca is not None else None
        if csr is not None:
            check_csr(csr)  # before the code is burnt
        branch = central.store.use_enrolment_code(body["code"])
        if branch is None:
            raise ApiError(401, "enrolment-code-invalid", "unknown or expired enrolment code")
        if branch == "used":
            raise ApiError(409, "enrolment-code-used", "this enrolment code was used before")
        kiosk_id, extra = central.store.new_kiosk_id(branch), {}
        fingerprint = None
        if csr is not None and central.enrolment_ca is not None:
            issued = central.enrolment_ca.sign_csr(csr, kiosk_id=kiosk_id, branch_id=branch)
            fingerprint = issued.fingerprint
            extra = {"client_certificate_pem": issued.pem, "ca_bundle_pem": central.enrolment_ca.pem}
        kiosk, token = central.store.add_kiosk(branch, body.get("kiosk_name"), kiosk_id,
                                               cert_fingerprint=fingerprint)
        return json_response(201, {"kiosk_id": kiosk.kiosk_id, "branch_id": kiosk.branch_id,
                                   "bearer_token": token, "token_keys": central.key_set(), **extra})
    return await run_in_threadpool(handle)


@kiosk_get
def get_keys(call: Call) -> Response:
    return json_response(200, call.central.key_set())


@kiosk_post("LookupRequest")
def lookup(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    """The appointment a QR token names, if the token is genuine, current and for this branch."""
    central = call.central
    try:
        token = tokens.verify(body["token"], central.key_ring(), branch_id=call.branch_id,
                              now=central.store.clock(), consume=None)
    except tokens.WrongBranch:
        raise ApiError(403, "wrong-branch", "the appointment is booked at another branch") from None
    except (tokens.Expired, tokens.NotYetValid) as exc:
        raise ApiError(422, "token-expired", exc.code) from None
    except tokens.TokenError as exc:
        raise ApiError(422, "token-invalid", exc.code) from None
    if token.kind is tokens.TokenKind.PAYROLL_BATCH:
        return 200, payroll_routes.pickup_lookup(call, token.appointment_id, body.get("id_number"))
    doc = central.store.get_appointment(token.appointment_id)
    if doc is None or doc["branch_id"] != call.branch_id:
        raise ApiError(404, "not-found", "no such appointment")
    if doc["status"] == "cancelled":
        raise ApiError(409, "appointment-cancelled", "the appointment was cancelled")
    return 200, doc


@kiosk_post("RedeemRequest")
def redeem(call: Call, body: dict[str, Any], appointment_id: str) -> tuple[int, Any]:
    """Use an appointment once (its row locked from the check to the commit)."""
    store = call.central.store
    doc = store.get_appointment(appointment_id, for_update=True)
    if doc is None or doc["branch_id"] != call.branch_id:
        raise ApiError(404, "not-found", "no such appointment")
    if doc["status"] != "booked":
        slug = "already-redeemed" if doc["status"] == "redeemed" else "appointment-cancelled"
        raise ApiError(409, slug, f"the appointment is {doc['status']}")
    return 200, store.put_appointment({**doc, "status": "redeemed", "redeemed_at": store.now()})


@kiosk_post("EventBatch")
def push_events(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    """Apply each event once per key; a repeat gets its first answer, another body a 422 result."""
    return 200, {"results": [_apply_event(call, event) for event in body["events"]]}


def _apply_event(call: Call, event: dict[str, Any]) -> dict[str, Any]:
    store = call.central.store
    key, print_ = event["idempotency_key"], fingerprint(event)
    with store.db.tx():
        store.lock_key(call.branch_id, "event:" + key)  # two batches carrying one event apply it once
        row = store.event_by_key(call.branch_id, key)
        if row is None:
            event_id, received = store.add_event(call.kiosk, key, print_, event, dumps(event["payload"]))
            on_kiosk_event(store, call.branch_id, call.kiosk.kiosk_id, event)
            store.counters["events_applied"] += 1
            return {"idempotency_key": key, "status": "applied", "event_id": event_id, "received_at": received}
    if row.fingerprint != print_:
        store.counters["event_key_conflicts"] += 1
        problem = ApiError(422, "idempotency-key-reused", "this event key was used with another event").body()
        return {"idempotency_key": key, "status": "rejected", "problem": problem}
    store.counters["events_replayed"] += 1
    return {"idempotency_key": key, "status": "applied", "replayed": True, "event_id": row.event_id,
            "received_at": row.received_at}


@kiosk_post("Heartbeat")
def heartbeat(call: Call, body: dict[str, Any]) -> tuple[int, Any]:
    call.central.store.put_heartbeat(call.kiosk.kiosk_id, dumps(body))
    return 200, {"server_time": iso(datetime.now(UTC)), "next_heartbeat_s": 60}


# (path, operationId, endpoint, method): the fault mode selects routes by operationId.
ROUTES = [
    ("/v1/enrolment", "enrol", enrol, "POST"),
    ("/v1/keys", "getKeys", get_keys, "GET"),
    ("/v1/branches/{branch_id}/changes", "getChanges", get_changes, "GET"),
    ("/v1/branches/{branch_id}/snapshot", "getSnapshot", get_snapshot, "GET"),
    ("/v1/appointments/lookup", "lookupAppointment", lookup, "POST"),
    ("/v1/appointments/{appointment_id}/redeem", "redeemAppointment", redeem, "POST"),
    ("/v1/event-batches", "pushEvents", push_events, "POST"),
    ("/v1/heartbeats", "heartbeat", heartbeat, "POST"),
]
