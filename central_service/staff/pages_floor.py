"""The lobby manager's floor view (tablet): appointments by slot, kiosks, staff calls with acknowledge and
"on my way", walk-in triage; live through server-sent events, and complete without JavaScript (every action
is a form; the page shows the state as of its load).

The event stream re-renders the live part of the page whenever the branch's floor changes (a staff call, an
answer, a hand-off, a triage: `wakeups.floor_key`, across worker processes on PostgreSQL), after a kiosk's
heartbeat at most once a second (`floor_beats_key`), and at least every `REFRESH_S` seconds; the page's small
script swaps it in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from central_service.auth.principal import SESSION_KEY, Principal
from central_service.central import Central
from central_service.changes import ChangeHub
from central_service.staff.audit import AuditLog
from central_service.staff.calls import ANSWERS, CallNotFound, StaffCalls
from central_service.staff.directory import KIND
from central_service.staff.floor_view import Floor, build_floor
from central_service.staff.roles import Permission, may
from central_service.staff.triage import Triage, TriageRefused
from central_service.staff.wakeups import floor_beats_key, floor_key
from central_service.staff.web_pages import PAGES, branch_zone, signed_in, staff_page, still_active
from central_service.web import PageError, PageRequest
from central_service.web.i18n import LANG_COOKIE, pick_locale
from central_service.web.security import PAGE_HEADERS
from central_service.web.sessions import COOKIE_NAME, WebSessions

REFRESH_S = 10.0
BEATS_EVERY_S = 1.0


COUNTERS = 4


def _floor(central: Central, principal: Principal) -> Floor:
    return build_floor(central.store, principal.branch_id, branch_zone())


def _render(req: PageRequest, principal: Principal, current: Floor, *, status: int = 200) -> Response:
    destinations = [(k.kiosk_id, k.name) for k in current.kiosks] + [
        (f"counter-{n}", req.t("floor.triage_counter", n=n)) for n in range(1, COUNTERS + 1)]
    return req.render("floor.html", status=status, floor=current, me=principal, form=req.form,
                      destinations=destinations, destination_names=dict(destinations))


@staff_page
def floor(req: PageRequest) -> Response:
    principal = signed_in(req, Permission.FLOOR)
    return _render(req, principal, _floor(req.central, principal))


@staff_page
def answer_call(req: PageRequest) -> Response:
    """Acknowledge or "on my way" (POST): the kiosk shows it to the waiting customer."""
    principal = signed_in(req, Permission.FLOOR)
    status = req.form.value("status")
    if status not in ANSWERS:
        raise PageError(400, "staff.error.bad_request")
    try:
        call = StaffCalls(req.central.store.db, clock=req.central.store.clock).answer(
            principal.branch_id, req.param("call_id"), status, principal.id)
    except CallNotFound:
        raise PageError(404, "error.not_found") from None
    AuditLog(req.central.store.db, clock=req.central.store.clock).append(
        principal, f"call_{status}", customer_ref=call.session_id, detail={"kiosk_id": call.kiosk_id})
    return req.redirect("/staff/floor#calls")


@staff_page
def triage(req: PageRequest) -> Response:
    """Send a walk-in (ticket label) to a kiosk or a counter (POST)."""
    principal = signed_in(req, Permission.FLOOR)
    form = req.form
    current = _floor(req.central, principal)
    try:
        Triage(req.central.store.db, clock=req.central.store.clock).send(
            principal.branch_id, form.value("label"), form.value("destination"), principal.id,
            {k.kiosk_id for k in current.kiosks})
    except TriageRefused as exc:
        form.fail(str(exc), f"floor.triage_bad_{exc}")
        return _render(req, principal, current, status=422)
    AuditLog(req.central.store.db, clock=req.central.store.clock).append(
        principal, "triage", detail={"label": form.value("label"), "destination": form.value("destination")})
    return req.redirect("/staff/floor#triage")


async def floor_stream(request: Request) -> Response:
    """text/event-stream of the live part of the floor page, for the signed-in lobby manager's branch."""
    central = request.app.state.central
    sessions = WebSessions(central.store.db)
    session = await run_in_threadpool(sessions.load, request.cookies.get(COOKIE_NAME))
    principal = Principal.from_session(session.data.get(SESSION_KEY)) if session else None
    if principal is None or principal.kind != KIND or not may(principal.roles, Permission.FLOOR) \
            or not await run_in_threadpool(still_active, central.store.db, principal):
        return Response("sign in first", status_code=401, media_type="text/plain", headers=PAGE_HEADERS)
    locale = pick_locale(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))
    return StreamingResponse(_events(request, central, principal, locale), media_type="text/event-stream",
                             headers={**PAGE_HEADERS, "X-Accel-Buffering": "no"})


async def _events(request: Request, central: Central, principal: Principal, locale: str) -> AsyncIterator[str]:
    hub, key, beats = central.hub, floor_key(principal.branch_id), floor_beats_key(principal.branch_id)
    sessions = WebSessions(central.store.db)
    template = PAGES.env.get_template("floor_live.html")
    yield "retry: 2000\n\n"
    while not hub.closing and not await request.is_disconnected():
        generation, beat_generation, rendered = hub.generation(key), hub.generation(beats), time.monotonic()
        cookie = request.cookies.get(COOKIE_NAME)
        session = await run_in_threadpool(sessions.load, cookie)
        if session is None:  # signed out or expired: the stream ends with the session
            return
        current = await run_in_threadpool(_floor, central, principal)
        html = template.render(t=PAGES.texts[locale], locale=locale, csrf_token=session.csrf_token, floor=current,
                               me=principal)
        yield "event: floor\n" + "".join(f"data: {line}\n" for line in html.splitlines()) + "\n"
        await _next_change(hub, key, generation, beats, beat_generation, rendered)


async def _next_change(hub: ChangeHub, key: str, generation: int, beats: str, beat_generation: int,
                       rendered: float) -> None:
    """Return at a staff call, hand-off or triage at once; at a heartbeat no sooner than BEATS_EVERY_S after the
    last render (a fleet's heartbeats must not re-render every floor many times a second); else after REFRESH_S."""
    waiters = {asyncio.ensure_future(hub.wait(key, generation, REFRESH_S)),
               asyncio.ensure_future(hub.wait(beats, beat_generation, REFRESH_S))}
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
    rest = rendered + BEATS_EVERY_S - time.monotonic()
    if hub.generation(key) == generation and rest > 0:
        await hub.wait(key, generation, rest)  # a call during the pause still ends it at once
