"""Routes for identity, the change feed, lookup by token, redemption and the kiosk's pushes.

Cursors and page tokens are opaque to the kiosk: base64url JSON (branch, position, database epoch) with an
HMAC, so a tampered cursor is a 400, another branch's a 403, and one from before the tombstone horizon or
another database a 410 "resync".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from central_api_client import tokens
from central_api_client.checksum import fingerprint, page_checksum
from central_sim.http import (
    ApiError,
    authenticate,
    central,
    dumps,
    json_body,
    json_response,
    kiosk_post,
    require_branch,
)
from central_sim.store import iso, new_id

MAX_WAIT = 30


def encode_cursor(secret: bytes, payload: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{raw}.{mac}"


def decode_cursor(secret: bytes, text: str) -> dict[str, Any]:
    """The cursor's fields. Raises ApiError 400 if it was not made by this service."""
    raw, _, mac = text.partition(".")
    good = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(mac, good):
        raise ApiError(400, "invalid-cursor", "the cursor was not issued by this service")
    return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ApiError(400, "invalid-parameter", f"{name} must be an integer in {low}..{high}",
                       errors=[{"location": f"query/{name}", "message": f"violates 'range {low}..{high}'"}])
    return int(value)


def _position(branch_id: str, text: str | None, kind: str) -> dict[str, Any]:
    """The decoded cursor/page token, checked for branch, epoch and horizon."""
    store = central().store
    if text is None:
        return {"b": branch_id, "s": 0, "e": store.epoch, "k": kind}
    fields = decode_cursor(store.secret, text)
    if fields.get("k") != kind:
        raise ApiError(400, "invalid-cursor", f"not a {kind}")
    if fields.get("b") != branch_id:
        raise ApiError(403, "wrong-branch", "the cursor belongs to another branch")
    if fields.get("e") != store.epoch or fields["s"] < store.horizon(branch_id):
        raise ApiError(410, "cursor-too-old", "the feed no longer reaches back to this cursor: resync")
    return fields


def _change_text(seq: int, status: str, doc: str) -> str:
    """The canonical JSON of one change, spliced from the stored canonical document (keys stay sorted)."""
    if status == "cancelled":
        fields = json.loads(doc)
        return dumps({"op": "tombstone", "seq": seq, "appointment_id": fields["id"], "version": fields["version"],
                      "updated_at": fields["updated_at"]})
    return f'{{"appointment":{doc},"op":"upsert","seq":{seq}}}'


def get_changes(branch_id: str) -> Response:
    """One page of the feed; long-polls when there is nothing after the cursor."""
    require_branch(branch_id)
    limit, wait = _int_arg("limit", 200, 1, 1000), _int_arg("wait", 0, 0, MAX_WAIT)
    store = central().store
    position = _position(branch_id, request.args.get("cursor"), "cursor")
    deadline = time.monotonic() + wait
    while True:
        generation = store.generation()
        rows, more = store.feed(branch_id, position["s"], limit)
        left = deadline - time.monotonic()
        if rows or left <= 0 or store.closing:
            break
        store.wait_for_change(generation, left)
    changes = "[" + ",".join(_change_text(*row) for row in rows) + "]"
    cursor = encode_cursor(store.secret, {**position, "s": rows[-1][0] if rows else position["s"]})
    rest: dict[str, Any] = {"cursor": cursor, "has_more": more, "count": len(rows), "server_time": store.now(),
                            "checksum": hashlib.sha256(changes.encode("utf-8")).hexdigest()}
    if not more:
        count, digest = store.branch_state(branch_id)
        rest["branch_state"] = {"count": count, "digest": digest}
    return json_response(200, None, raw='{"changes":' + changes + "," + dumps(rest)[1:])


def get_snapshot(branch_id: str) -> Response:
    """One page of the live appointments, by id; the feed cursor is fixed by the first page."""
    require_branch(branch_id)
    limit = _int_arg("limit", 200, 1, 1000)
    store = central().store
    token = request.args.get("page_token")
    if token is None:
        fields = {"b": branch_id, "s": store.position(), "e": store.epoch, "k": "snapshot", "a": ""}
    else:
        fields = _position(branch_id, token, "snapshot")
    items, more = store.snapshot(branch_id, fields["a"], limit)
    cursor = encode_cursor(store.secret, {"b": branch_id, "s": fields["s"], "e": store.epoch, "k": "cursor"})
    page: dict[str, Any] = {"appointments": items, "cursor": cursor, "count": len(items),
                            "checksum": page_checksum(items), "server_time": store.now()}
    if more:
        page["next_page_token"] = encode_cursor(store.secret, {**fields, "a": items[-1]["id"]})
    return json_response(200, page)


def enrol() -> Response:
    """One-time code -> kiosk identity and token keys."""
    body = json_body("EnrolmentRequest")
    app = central()
    branch = app.store.use_enrolment_code(body["code"])
    if branch is None:
        raise ApiError(401, "enrolment-code-invalid", "unknown or expired enrolment code")
    if branch == "used":
        raise ApiError(409, "enrolment-code-used", "this enrolment code was used before")
    kiosk, token = app.store.add_kiosk(branch, body.get("kiosk_name"))
    return json_response(201, {"kiosk_id": kiosk.kiosk_id, "branch_id": kiosk.branch_id, "bearer_token": token,
                               "token_keys": app.key_set()})


def get_keys() -> Response:
    return json_response(200, central().key_set())


@kiosk_post("LookupRequest")
def lookup(body: dict[str, Any]) -> tuple[int, Any]:
    """The appointment a QR token names, if the token is genuine, current and for this branch."""
    app = central()
    try:
        token = tokens.verify(body["token"], app.key_ring(), branch_id=g.kiosk.branch_id,
                              now=app.store.clock(), consume=None)
    except tokens.WrongBranch:
        raise ApiError(403, "wrong-branch", "the appointment is booked at another branch") from None
    except (tokens.Expired, tokens.NotYetValid) as exc:
        raise ApiError(422, "token-expired", exc.code) from None
    except tokens.TokenError as exc:
        raise ApiError(422, "token-invalid", exc.code) from None
    doc = app.store.get_appointment(token.appointment_id)
    if doc is None or doc["branch_id"] != g.kiosk.branch_id:
        raise ApiError(404, "not-found", "no such appointment")
    if doc["status"] == "cancelled":
        raise ApiError(409, "appointment-cancelled", "the appointment was cancelled")
    return 200, doc


@kiosk_post("RedeemRequest")
def redeem(body: dict[str, Any], appointment_id: str) -> tuple[int, Any]:
    """Use an appointment once."""
    store = central().store
    doc = store.get_appointment(appointment_id)
    if doc is None or doc["branch_id"] != g.kiosk.branch_id:
        raise ApiError(404, "not-found", "no such appointment")
    if doc["status"] != "booked":
        slug = "already-redeemed" if doc["status"] == "redeemed" else "appointment-cancelled"
        raise ApiError(409, slug, f"the appointment is {doc['status']}")
    return 200, store.put_appointment({**doc, "status": "redeemed", "redeemed_at": store.now()})


@kiosk_post("EventBatch")
def push_events(body: dict[str, Any]) -> tuple[int, Any]:
    """Apply each event once per key; a repeat gets its first answer, another body a 422 result."""
    return 200, {"results": [_apply_event(event) for event in body["events"]]}


def _apply_event(event: dict[str, Any]) -> dict[str, Any]:
    store, kiosk = central().store, g.kiosk
    key, print_ = event["idempotency_key"], fingerprint(event)
    with store.tx() as db:
        row = db.execute("SELECT fingerprint, event_id, received_at FROM events WHERE branch_id = ? AND key = ?",
                         (kiosk.branch_id, key)).fetchone()
        if row is None:
            event_id, received = new_id("evt"), store.now()
            db.execute("INSERT INTO events (event_id, branch_id, kiosk_id, key, fingerprint, stream, kind,"
                       " occurred_at, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (event_id, kiosk.branch_id, kiosk.kiosk_id, key, print_, event["stream"], event["kind"],
                        event["occurred_at"], dumps(event["payload"]), received))
            store.counters["events_applied"] += 1
            return {"idempotency_key": key, "status": "applied", "event_id": event_id, "received_at": received}
    if row[0] != print_:
        store.counters["event_key_conflicts"] += 1
        problem = ApiError(422, "idempotency-key-reused", "this event key was used with another event").body()
        return {"idempotency_key": key, "status": "rejected", "problem": problem}
    store.counters["events_replayed"] += 1
    return {"idempotency_key": key, "status": "applied", "replayed": True, "event_id": row[1],
            "received_at": row[2]}


@kiosk_post("Heartbeat")
def heartbeat(body: dict[str, Any]) -> tuple[int, Any]:
    store = central().store
    with store.tx() as db:
        db.execute("INSERT OR REPLACE INTO heartbeats (kiosk_id, received_at, body) VALUES (?, ?, ?)",
                   (g.kiosk.kiosk_id, store.now(), dumps(body)))
    return 200, {"server_time": iso(datetime.now(UTC)), "next_heartbeat_s": 60}


def register(app: Flask) -> None:
    """Mount the routes under their operationIds (the fault mode selects routes by these names)."""
    app.add_url_rule("/v1/enrolment", "enrol", enrol, methods=["POST"])
    app.add_url_rule("/v1/keys", "getKeys", get_keys, methods=["GET"])
    app.add_url_rule("/v1/branches/<branch_id>/changes", "getChanges", get_changes, methods=["GET"])
    app.add_url_rule("/v1/branches/<branch_id>/snapshot", "getSnapshot", get_snapshot, methods=["GET"])
    app.add_url_rule("/v1/appointments/lookup", "lookupAppointment", lookup, methods=["POST"])
    app.add_url_rule("/v1/appointments/<appointment_id>/redeem", "redeemAppointment", redeem, methods=["POST"])
    app.add_url_rule("/v1/event-batches", "pushEvents", push_events, methods=["POST"])
    app.add_url_rule("/v1/heartbeats", "heartbeat", heartbeat, methods=["POST"])


PUBLIC_ENDPOINTS = frozenset({"enrol", "submitWalkInForm"})


def before_request() -> None:
    """Authenticate every /v1 call except enrolment and the phone's form submission."""
    if request.path.startswith("/v1/") and request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()
