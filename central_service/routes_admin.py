"""The admin endpoint (X-Admin-Token): the HTTP face of `admin.CentralAdmin`, plus /healthz and /readyz.

Not part of the kiosk contract; a kiosk token never opens it, and it is closed when no admin token is set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from central_service.admin import CentralAdmin
from central_service.faults import Fault
from central_service.kiosk_api import central_of, read_body, same_text
from central_service.problems import ApiError, json_response

AdminView = Callable[[CentralAdmin, dict[str, Any], dict[str, str]], Response]


def admin_endpoint(view: AdminView) -> Callable[[Request], Awaitable[Response]]:
    """Check the admin token, parse the JSON object body (if any), run the view in the threadpool."""
    async def endpoint(request: Request) -> Response:
        central = central_of(request)
        given = request.headers.get("X-Admin-Token", "")
        if not central.admin_token or not same_text(given, central.admin_token):
            raise ApiError(401, "unauthorized", "admin token required")
        raw = await read_body(request)
        body: dict[str, Any] = {}
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None  # type: ignore[assignment]
            if not isinstance(body, dict):
                raise ApiError(400, "malformed-json", "send a JSON object")
        admin = CentralAdmin(central, str(request.base_url).rstrip("/"))
        try:
            return await run_in_threadpool(view, admin, body, dict(request.path_params))
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, "invalid-admin-request", type(exc).__name__) from None
    endpoint.__name__ = view.__name__
    return endpoint


def _known(action: Callable[[], Any]) -> Any:
    try:
        return action()
    except KeyError:
        raise ApiError(404, "not-found", "no such appointment") from None


@admin_endpoint
def seed(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    seeded = admin.seed(body["branches"], int(body["per_branch"]), rng_seed=body.get("rng_seed"),
                        with_tokens=bool(body.get("with_tokens")))
    return json_response(200, {"seeded": [{"appointment_id": s.appointment_id, "branch_id": s.branch_id,
                                           "kind": s.kind, "token": s.token} for s in seeded]})


@admin_endpoint
def create_appointment(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(201, admin.create_appointment(body["branch_id"], body.get("kind", "individual")))


@admin_endpoint
def update_appointment(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, _known(lambda: admin.update_appointment(path["appointment_id"], **body)))


@admin_endpoint
def token(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, {"token": _known(lambda: admin.token_for(path["appointment_id"]))})


@admin_endpoint
def add_kiosk(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    kiosk, bearer = admin.add_kiosk(body["branch_id"])
    return json_response(201, {"kiosk_id": kiosk.kiosk_id, "branch_id": kiosk.branch_id, "bearer_token": bearer})


@admin_endpoint
def revoke_kiosk(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    admin.revoke_kiosk(path["kiosk_id"])
    return json_response(200, {"revoked": path["kiosk_id"]})


@admin_endpoint
def enrolment_code(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(201, {"code": admin.enrolment_code(body["branch_id"])})


@admin_endpoint
def purge(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, {"purged": admin.purge_tombstones(path["branch_id"])})


@admin_endpoint
def state(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, admin.branch_state(path["branch_id"]))


@admin_endpoint
def appointments(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, {"appointments": admin.appointments(path["branch_id"])})


@admin_endpoint
def event_keys(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, {"keys": admin.event_keys(path["branch_id"])})


@admin_endpoint
def arm_fault(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    try:
        fault = Fault(**body)
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "invalid-fault", str(exc)) from None
    admin.central.faults.arm(path["route"], fault)
    return json_response(200, {"route": path["route"], **asdict(fault)})


@admin_endpoint
def clear_faults(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    admin.clear_faults()
    return json_response(200, {"cleared": True})


@admin_endpoint
def core_outage(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    admin.core_outage(body.get("operation", "*"), int(body.get("times", 1)))
    return json_response(200, {"armed": True})


@admin_endpoint
def set_person(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    admin.set_person(path["id_number"], **body)
    return json_response(200, admin.central.core.person(path["id_number"]))  # type: ignore[attr-defined]


@admin_endpoint
def stats(admin: CentralAdmin, body: dict[str, Any], path: dict[str, str]) -> Response:
    return json_response(200, admin.stats())


async def healthz(request: Request) -> Response:
    """Alive: the process answers (no database call, so a slow store does not restart healthy workers); names
    the worker process, so an operator (or a test) can tell a node's workers apart."""
    return json_response(200, {"status": "ok", "worker": os.getpid()})


async def readyz(request: Request) -> Response:
    """Ready: the store answers a query."""
    central = central_of(request)

    def probe() -> None:
        with central.store.db.read() as conn:
            conn.execute(text("SELECT 1"))
    try:
        await run_in_threadpool(probe)
    except Exception as exc:
        raise ApiError(503, "not-ready", f"the store does not answer ({type(exc).__name__})") from None
    return json_response(200, {"status": "ready"})


ROUTES = [
    ("/admin/seed", "admin_seed", seed, "POST"),
    ("/admin/appointments", "admin_create_appointment", create_appointment, "POST"),
    ("/admin/appointments/{appointment_id}", "admin_update_appointment", update_appointment, "PATCH"),
    ("/admin/appointments/{appointment_id}/token", "admin_token", token, "POST"),
    ("/admin/kiosks", "admin_add_kiosk", add_kiosk, "POST"),
    ("/admin/kiosks/{kiosk_id}/revoke", "admin_revoke_kiosk", revoke_kiosk, "POST"),
    ("/admin/enrolment-codes", "admin_enrolment_code", enrolment_code, "POST"),
    ("/admin/branches/{branch_id}/purge-tombstones", "admin_purge", purge, "POST"),
    ("/admin/branches/{branch_id}/state", "admin_state", state, "GET"),
    ("/admin/branches/{branch_id}/appointments", "admin_appointments", appointments, "GET"),
    ("/admin/branches/{branch_id}/event-keys", "admin_event_keys", event_keys, "GET"),
    ("/admin/faults/{route}", "admin_arm_fault", arm_fault, "PUT"),
    ("/admin/faults", "admin_clear_faults", clear_faults, "DELETE"),
    ("/admin/core-outage", "admin_core_outage", core_outage, "POST"),
    ("/admin/people/{id_number}", "admin_set_person", set_person, "PUT"),
    ("/admin/stats", "admin_stats", stats, "GET"),
    ("/healthz", "healthz", healthz, "GET"),
    ("/readyz", "readyz", readyz, "GET"),
]
