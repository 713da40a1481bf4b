"""What the lobby floor view shows, built headless from the store: today's appointments by time slot with their
status, every kiosk's state from its last heartbeat, open staff calls, the hand-off count and today's triage.

Statuses come from what kiosks already report (session events) and the appointment itself: booked, arrived
(triaged), at kiosk N at step X, done, no-show (30 min past the slot), cancelled. Names are masked: the floor is
for finding people, not reading their data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select

from central_api_client.redaction import mask_name
from central_service import schema as t
from central_service.db import Database
from central_service.staff.calls import StaffCall, StaffCalls
from central_service.staff.event_log import branch_events
from central_service.staff.handoffs import Handoffs
from central_service.staff.triage import Triage, TriageEntry
from central_service.store import Store
from central_service.timefmt import iso

OFFLINE_AFTER = timedelta(minutes=3)  # three missed heartbeats (one a minute)
NO_SHOW_AFTER = timedelta(minutes=30)
LOW_STOCK = 20
SESSION_KINDS = ("session_started", "session_step", "session_ended")


@dataclass(frozen=True)
class OnFloor:
    appointment_id: str
    name: str  # masked
    kind: str
    status: str  # booked, arrived, at_kiosk, done, no_show, cancelled, ended
    kiosk: str | None = None
    step: str | None = None


@dataclass(frozen=True)
class Slot:
    slot: str  # "09:00"
    appointments: list[OnFloor]


@dataclass(frozen=True)
class KioskState:
    kiosk_id: str
    name: str
    online: bool
    mode: str  # open, closed, unknown
    card_stock: int | None
    bin_count: int | None
    devices: list[dict[str, str]]
    last_seen: str | None
    severity: str  # ok, warning, fault
    call: StaffCall | None = None


@dataclass(frozen=True)
class Floor:
    branch_id: str
    day: str
    slots: list[Slot]
    kiosks: list[KioskState]
    calls: list[StaffCall]
    handoffs_open: int
    triage: list[TriageEntry] = field(default_factory=list)


@dataclass
class _Session:
    kiosk_id: str
    appointment_id: str | None
    step: str | None = None
    outcome: str | None = None


def build_floor(store: Store, branch_id: str, zone: ZoneInfo, *, clock: Callable[[], datetime] | None = None) -> Floor:
    """The floor of `branch_id` now (its local day in `zone`)."""
    now = (clock or store.clock)()
    local = now.astimezone(zone)
    start = datetime.combine(local.date(), datetime.min.time(), tzinfo=zone)
    db = store.db
    with db.snapshot():
        calls = StaffCalls(db).for_branch(branch_id)
        kiosks = _kiosks(db, branch_id, now, {c.kiosk_id: c for c in calls})
        sessions = _sessions(store, branch_id, iso(start))
        triaged = Triage(db).since(branch_id, iso(start))
        slots = _slots(store, branch_id, zone, start, now, sessions, {e.label for e in triaged},
                       {k.kiosk_id: k.name for k in kiosks})
        handoffs = len(Handoffs(db).queue(branch_id))
    return Floor(branch_id, local.date().isoformat(), slots, kiosks, calls, handoffs, triaged)


def _sessions(store: Store, branch_id: str, since: str) -> dict[str, _Session]:
    """Today's kiosk sessions of the branch, by session id, from the events kiosks pushed."""
    found: dict[str, _Session] = {}
    for event in branch_events(store.db, store.fields, branch_id, since, SESSION_KINDS):
        kiosk_id, kind, data = event.kiosk_id, event.kind, event.payload
        session_id = data.get("session_id")
        if not isinstance(session_id, str):
            continue
        session = found.setdefault(session_id, _Session(kiosk_id, None))
        if kind == "session_started":
            session.appointment_id = data.get("appointment_id")
        elif kind == "session_step":
            session.step = data.get("state")
        else:
            session.outcome = str(data.get("outcome"))
    return found


def _slots(store: Store, branch_id: str, zone: ZoneInfo, start: datetime, now: datetime,
           sessions: dict[str, _Session], triaged: set[str], kiosk_names: dict[str, str]) -> list[Slot]:
    by_appointment = {s.appointment_id: s for s in sessions.values() if s.appointment_id}
    by_slot: dict[str, list[OnFloor]] = {}
    end = start + timedelta(days=1)
    for doc in store.appointments(branch_id, include_cancelled=True):
        when = _when(doc.get("scheduled_for"))
        if when is None or not start <= when < end:
            continue
        session = by_appointment.get(doc["id"])
        status, kiosk, step = _status(doc, session, when, now, doc["id"] in triaged)
        slot = when.astimezone(zone).strftime("%H:00")
        by_slot.setdefault(slot, []).append(OnFloor(
            doc["id"], mask_name(doc.get("customer", {}).get("name", "")), doc["kind"], status,
            kiosk_names.get(kiosk, kiosk) if kiosk else None, step))
    return [Slot(slot, sorted(rows, key=lambda r: r.appointment_id)) for slot, rows in sorted(by_slot.items())]


def _status(doc: dict[str, Any], session: _Session | None, when: datetime, now: datetime,
            triaged: bool) -> tuple[str, str | None, str | None]:
    if doc["status"] == "cancelled":
        return "cancelled", None, None
    if session is not None and session.outcome is None:
        return "at_kiosk", session.kiosk_id, session.step
    if (session is not None and session.outcome == "completed") or doc["status"] == "redeemed":
        return "done", None, None
    if session is not None:
        return "ended", session.kiosk_id, None
    if triaged:
        return "arrived", None, None
    return ("no_show" if now > when + NO_SHOW_AFTER else "booked"), None, None


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def kiosk_names(db: Database, branch_id: str) -> dict[str, str]:
    """The branch's kiosks by id, with the names branch IT gave them (the id where none)."""
    k = t.kiosks
    with db.read() as conn:
        rows = conn.execute(select(k.c.kiosk_id, k.c.name).where(k.c.branch_id == branch_id)).all()
    return {r.kiosk_id: r.name or r.kiosk_id for r in rows}


def _kiosks(db: Database, branch_id: str, now: datetime, calls: dict[str, StaffCall]) -> list[KioskState]:
    k, h = t.kiosks, t.heartbeats
    with db.read() as conn:
        rows = conn.execute(select(k.c.kiosk_id, k.c.name, h.c.received_at, h.c.body)
                            .select_from(k.outerjoin(h, h.c.kiosk_id == k.c.kiosk_id))
                            .where(and_(k.c.branch_id == branch_id, k.c.revoked.is_(False)))
                            .order_by(k.c.name, k.c.kiosk_id)).all()
    return [_kiosk(r.kiosk_id, r.name or r.kiosk_id, r.received_at, r.body, now, calls.get(r.kiosk_id))
            for r in rows]


def _kiosk(kiosk_id: str, name: str, seen: str | None, body: str | None, now: datetime,
           call: StaffCall | None) -> KioskState:
    beat: dict[str, Any] = json.loads(body) if body else {}
    last = _when(seen)
    online = last is not None and now - last < OFFLINE_AFTER
    devices = [{"device": str(d.get("device")), "state": str(d.get("state")), "detail": str(d.get("detail") or "")}
               for d in beat.get("devices", []) if isinstance(d, dict)]
    stock = beat.get("card_stock")
    faulty = any(d["state"] not in ("online", "busy") for d in devices)
    low = isinstance(stock, int) and stock < LOW_STOCK
    attention = low or call is not None or beat.get("mode") in ("closed", "maintenance")
    severity = "fault" if not online or faulty else ("warning" if attention else "ok")
    return KioskState(kiosk_id, name, online, str(beat.get("mode") or "unknown"), stock if isinstance(stock, int)
                      else None, beat.get("bin_count") if isinstance(beat.get("bin_count"), int) else None, devices,
                      seen, severity, call)
