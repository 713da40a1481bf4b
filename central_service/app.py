"""The ASGI application: `create_app(settings) -> Starlette`, its routes, error handlers and the fault mode.

Why Starlette and not FastAPI: the contract is `central_api_client/openapi.yaml`, written first and
checked against every request body here; FastAPI's strength (models that generate an OpenAPI document) would
be a second contract to keep equal to the first. Starlette gives routing, request parsing and sync views in a
threadpool beside async long-polls, on uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Scope

from central_service import routes_admin, routes_feed, routes_journey, routes_snapshot, routes_walk_in
from central_service.activation import routes as routes_activation
from central_service.central import Central, load_signing_keys
from central_service.changes import listen_postgres
from central_service.core_banking.simulated import SimulatedCore
from central_service.crypto import MASTER_DIR, FieldCipher, MasterKeys
from central_service.db import Database
from central_service.enrolment_ca import EnrolmentCA
from central_service.evidence import pages as evidence_pages
from central_service.evidence import routes as routes_evidence
from central_service.faults import FaultMiddleware
from central_service.migrations import upgrade
from central_service.payroll import routes as payroll_routes
from central_service.phone import routes as phone_routes
from central_service.problems import ApiError
from central_service.settings import Settings
from central_service.sms import SimulatedSmsGateway
from central_service.staff import routes_kiosk as staff_kiosk_routes
from central_service.staff import routes_pages as staff_page_routes
from central_service.store import Store
from central_service.web import pages as web_pages
from central_service.web import routes as web_routes

log = logging.getLogger(__name__)
ROUTE_TABLES = [routes_feed.ROUTES, routes_snapshot.ROUTES, routes_journey.ROUTES, routes_walk_in.ROUTES,
                routes_admin.ROUTES, web_routes.ROUTES, phone_routes.ROUTES, staff_kiosk_routes.ROUTES,
                staff_page_routes.ROUTES, routes_evidence.ROUTES, payroll_routes.ROUTES, routes_activation.ROUTES,
                evidence_pages.ROUTES]


def build_central(settings: Settings, *, clock: Callable[[], datetime] | None = None,
                  migrate: bool = True) -> Central:
    """The service's state for `settings`: database (migrated to head), store, simulated core, keys."""
    db = Database(settings.database, pool_size=settings.pool_size)
    if migrate:
        upgrade(db.engine)
    masters = MasterKeys(Path(settings.key_dir) / MASTER_DIR if settings.key_dir else None)
    store = Store(db, clock=clock, fields=FieldCipher(db, masters, clock=clock))
    store.fields.check_master_keys()
    keys = load_signing_keys(Path(settings.key_dir) if settings.key_dir else None)
    ca = EnrolmentCA.load_or_create(Path(settings.enrolment_ca_dir)) if settings.enrolment_ca_dir else None
    sms = SimulatedSmsGateway(db, echo=_print_line if settings.print_sms else None)
    return Central(store, SimulatedCore(store), keys, settings.admin_token or secrets.token_urlsafe(24),
                   enrolment_ca=ca, require_client_cert=bool(settings.ssl_ca_certs), sms=sms)


def _print_line(line: str) -> None:
    """Dev mode's console for the simulated SMS gateway (stdout on purpose: a log line never carries a code)."""
    print(line, flush=True)


def routes() -> list[Route]:
    """Every route, named by its operationId (the fault mode and the contract tests select by these)."""
    found = []
    for table in ROUTE_TABLES:
        for path, name, endpoint, method in table:
            found.append(Route(path, endpoint, methods=[method], name=name))
    return found


def create_app(settings: Settings, *, central: Central | None = None,
               clock: Callable[[], datetime] | None = None) -> Starlette:
    """The ASGI app for `settings` (or around an already built `central`), wrapped in the fault mode."""
    central = central or build_central(settings, clock=clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        central.hub.bind(asyncio.get_running_loop())
        listener = None
        if central.store.db.is_postgres:
            ready = asyncio.Event()
            conninfo = central.store.db.engine.url.set(drivername="postgresql")
            listener = asyncio.create_task(listen_postgres(
                conninfo.render_as_string(hide_password=False), central.hub, ready))
            await asyncio.wait_for(ready.wait(), 10)
        try:
            yield
        finally:
            central.hub.shutdown()
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener

    app = CentralApp(routes=routes(), lifespan=lifespan, exception_handlers={
        ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected})
    app.state.central = central
    return app


class CentralApp(Starlette):
    """Starlette with the fault mode outermost, around even the error middleware, so that a "drop" fault gets
    the server's own `send` and can close the connection without a byte."""

    def build_middleware_stack(self) -> ASGIApp:
        inner = super().build_middleware_stack()
        return FaultMiddleware(inner, self.state.central.faults, _route_namer(self))


def _route_namer(app: Starlette) -> Callable[[Scope], str | None]:
    def route_of(scope: Scope) -> str | None:
        for route in app.router.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return getattr(route, "name", None)
        return None
    return route_of


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        if web_pages.wants_page(request):
            return await web_pages.not_found(request)
        return ApiError(404, "not-found", "no such route").response()
    if status == 405:
        return ApiError(405, "method-not-allowed", "this route does not take that method",
                        headers=dict(exc.headers or {})).response()
    slug = {413: "payload-too-large"}.get(status, "bad-request")
    return ApiError(status, slug, exc.detail if status < 500 else None, headers=dict(exc.headers or {})).response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("central: unexpected error", exc_info=exc)
    return ApiError(500, "internal", "unexpected error in the appointment service").response()
