"""The admin endpoint of the reference service (X-Admin-Token): the HTTP face of `admin.CentralAdmin`.

Not part of the kiosk contract; a kiosk token never opens it, and it is closed when no admin token is set.
"""

from __future__ import annotations

import hmac
from dataclasses import asdict
from typing import Any

from flask import Flask, Response, request

from central_sim.admin import CentralAdmin
from central_sim.faults import Fault
from central_sim.http import ApiError, central, json_response


def before_request() -> None:
    """Raises ApiError 401 for /admin without the right token."""
    if not request.path.startswith("/admin"):
        return
    token = central().admin_token
    given = request.headers.get("X-Admin-Token", "")
    if not token or not hmac.compare_digest(given, token):
        raise ApiError(401, "unauthorized", "admin token required")


def _admin() -> CentralAdmin:
    return CentralAdmin(central(), request.host_url.rstrip("/"))


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "malformed-json", "send a JSON object")
    return body


def seed() -> Response:
    body = _body()
    seeded = _admin().seed(body["branches"], int(body["per_branch"]), rng_seed=body.get("rng_seed"),
                           with_tokens=bool(body.get("with_tokens")))
    return json_response(200, {"seeded": [{"appointment_id": s.appointment_id, "branch_id": s.branch_id,
                                           "kind": s.kind, "token": s.token} for s in seeded]})


def create_appointment() -> Response:
    body = _body()
    return json_response(201, _admin().create_appointment(body["branch_id"], body.get("kind", "individual")))


def update_appointment(appointment_id: str) -> Response:
    try:
        return json_response(200, _admin().update_appointment(appointment_id, **_body()))
    except KeyError:
        raise ApiError(404, "not-found", "no such appointment") from None


def token(appointment_id: str) -> Response:
    try:
        return json_response(200, {"token": _admin().token_for(appointment_id)})
    except KeyError:
        raise ApiError(404, "not-found", "no such appointment") from None


def add_kiosk() -> Response:
    kiosk, bearer = _admin().add_kiosk(_body()["branch_id"])
    return json_response(201, {"kiosk_id": kiosk.kiosk_id, "branch_id": kiosk.branch_id, "bearer_token": bearer})


def enrolment_code() -> Response:
    return json_response(201, {"code": _admin().enrolment_code(_body()["branch_id"])})


def purge(branch_id: str) -> Response:
    return json_response(200, {"purged": _admin().purge_tombstones(branch_id)})


def state(branch_id: str) -> Response:
    return json_response(200, _admin().branch_state(branch_id))


def appointments(branch_id: str) -> Response:
    return json_response(200, {"appointments": _admin().appointments(branch_id)})


def event_keys(branch_id: str) -> Response:
    return json_response(200, {"keys": _admin().event_keys(branch_id)})


def arm_fault(route: str) -> Response:
    try:
        fault = Fault(**_body())
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "invalid-fault", str(exc)) from None
    central().faults.arm(route, fault)
    return json_response(200, {"route": route, **asdict(fault)})


def clear_faults() -> Response:
    central().faults.clear()
    return json_response(200, {"cleared": True})


def set_person(id_number: str) -> Response:
    _admin().set_person(id_number, **_body())
    return json_response(200, central().store.person(id_number))


def stats() -> Response:
    return json_response(200, _admin().stats())


def register(app: Flask) -> None:
    rules = [
        ("/admin/seed", seed, "POST"),
        ("/admin/appointments", create_appointment, "POST"),
        ("/admin/appointments/<appointment_id>", update_appointment, "PATCH"),
        ("/admin/appointments/<appointment_id>/token", token, "POST"),
        ("/admin/kiosks", add_kiosk, "POST"),
        ("/admin/enrolment-codes", enrolment_code, "POST"),
        ("/admin/branches/<branch_id>/purge-tombstones", purge, "POST"),
        ("/admin/branches/<branch_id>/state", state, "GET"),
        ("/admin/branches/<branch_id>/appointments", appointments, "GET"),
        ("/admin/branches/<branch_id>/event-keys", event_keys, "GET"),
        ("/admin/faults/<route>", arm_fault, "PUT"),
        ("/admin/faults", clear_faults, "DELETE"),
        ("/admin/people/<id_number>", set_person, "PUT"),
        ("/admin/stats", stats, "GET"),
    ]
    for rule, view, method in rules:
        app.add_url_rule(rule, "admin_" + view.__name__, view, methods=[method])
