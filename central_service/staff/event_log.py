"""Reading what kiosks pushed: the events of a kiosk or a branch with their payloads opened.

Why here: event payloads are sealed at rest (central_service/crypto, `Store.add_event` seals each one to its row as
"events.payload:<event id>"); the floor and the hand-offs read them back through this one function, so the
sealing context is spelled in one place on the reading side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select

from central_service import schema as t
from central_service.crypto.fields import FieldCipher, FieldDecryptError
from central_service.db import Database
from central_service.store import open_event_payload


@dataclass(frozen=True)
class KioskEvent:
    kiosk_id: str
    kind: str
    payload: dict[str, Any]


def _opened(fields: FieldCipher, event_id: str, stored: str) -> dict[str, Any]:
    """The event's payload, or {} for one that does not open or is not an object (never a whole page's error)."""
    try:
        data = json.loads(open_event_payload(fields.db, event_id, stored))  # the store owns the context
    except (FieldDecryptError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def kiosk_events(db: Database, fields: FieldCipher, kiosk_id: str, limit: int) -> list[KioskEvent]:
    """The kiosk's newest `limit` events, oldest first."""
    e = t.events
    with db.read() as conn:
        rows = conn.execute(select(e.c.event_id, e.c.kiosk_id, e.c.kind, e.c.payload).where(e.c.kiosk_id == kiosk_id)
                            .order_by(e.c.n.desc()).limit(limit)).all()
    return [KioskEvent(r.kiosk_id, r.kind, _opened(fields, r.event_id, r.payload)) for r in reversed(rows)]


def branch_events(db: Database, fields: FieldCipher, branch_id: str, since: str,
                  kinds: tuple[str, ...]) -> list[KioskEvent]:
    """The branch's events of `kinds` received since `since` (ISO UTC), in arrival order."""
    e = t.events
    with db.read() as conn:
        rows = conn.execute(select(e.c.event_id, e.c.kiosk_id, e.c.kind, e.c.payload).where(and_(
            e.c.branch_id == branch_id, e.c.received_at >= since, e.c.kind.in_(kinds))).order_by(e.c.n)).all()
    return [KioskEvent(r.kiosk_id, r.kind, _opened(fields, r.event_id, r.payload)) for r in rows]
