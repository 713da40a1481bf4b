"""The counter's hand-off queue: kiosk sessions a teller should pick up, with what the kiosk already did.

A session is handed off when it ended refused, interrupted (power cut, crash), cancelled or timed out after
calling a lobby manager (escalated), or with a card captured to the bin. What the kiosk did is read from the
events the kiosk already sends (session_started, staff_requested, staff_decision, account_opened,
card_issued_to, card_retained): no new kiosk event is needed, and old kiosks hand off too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select, update

from central_service import schema as t
from central_service.crypto.fields import FieldCipher
from central_service.db import Database
from central_service.staff.event_log import kiosk_events
from central_service.staff.wakeups import floor_key
from central_service.store import new_id
from central_service.timefmt import iso

SESSION_EVENTS = 400  # how far back in the kiosk's events a session's story is looked for


class HandoffNotFound(LookupError):
    """No such hand-off in the caller's branch, or it is already served."""


@dataclass(frozen=True)
class Handoff:
    handoff_id: str
    branch_id: str
    kiosk_id: str
    session_id: str
    appointment_id: str | None
    outcome: str  # "refused:card_jam", "interrupted", "timeout", ...
    facts: dict[str, Any]
    status: str  # open, taken, served
    ended_at: str
    taken_by: str | None
    served_at: str | None

    @property
    def outcome_kind(self) -> str:
        return self.outcome.partition(":")[0]

    @property
    def outcome_reason(self) -> str | None:
        return self.outcome.partition(":")[2] or None


def needs_handoff(outcome: str, facts: dict[str, Any]) -> bool:
    """Refused, interrupted, escalated (a manager was called and it did not complete) or a card captured."""
    kind = outcome.partition(":")[0]
    if facts.get("card_captured"):
        return True
    if kind == "completed":
        return False
    return kind in ("refused", "interrupted") or bool(facts.get("staff_reasons"))


def session_facts(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """What the kiosk did in one session, from its events (kind, payload) in order."""
    facts: dict[str, Any] = {"account_opened": False, "card_issued": False, "card_captured": False,
                             "staff_reasons": [], "staff_decisions": []}
    for kind, payload in events:
        if kind == "session_started":
            facts["path"] = payload.get("kind")
            facts["appointment_id"] = payload.get("appointment_id")
        elif kind == "account_opened":
            facts["account_opened"] = True
        elif kind == "card_issued_to":
            facts["card_issued"] = True
            facts["pan_masked"] = payload.get("pan")
        elif kind == "card_retained":
            facts["card_captured"] = True
            facts["pan_masked"] = payload.get("pan_masked")
        elif kind == "staff_requested":
            facts["staff_reasons"].append(str(payload.get("reason", "")))
        elif kind == "staff_decision":
            facts["staff_decisions"].append({"staff_id": payload.get("staff_id"), "reason": payload.get("reason"),
                                             "approve": bool(payload.get("approve"))})
        elif kind == "session_ended":
            facts["at_state"] = payload.get("at_state")
    return facts


class Handoffs:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None,
                 fields: FieldCipher | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))
        self.fields = fields  # opens the kiosks' sealed event payloads (needed to record a hand-off)

    def session_events(self, kiosk_id: str, session_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The session's events as the kiosk sent them (kind, payload), in arrival order."""
        if self.fields is None:
            raise ValueError("Handoffs needs the store's field cipher to read kiosk events")
        return [(e.kind, e.payload) for e in kiosk_events(self.db, self.fields, kiosk_id, SESSION_EVENTS)
                if e.payload.get("session_id") == session_id]

    def session_ended(self, branch_id: str, kiosk_id: str, session_id: str, outcome: str, ended_at: str) -> bool:
        """Record the hand-off if the session needs one (once per session); True if it was recorded."""
        facts = session_facts(self.session_events(kiosk_id, session_id))
        if not needs_handoff(outcome, facts):
            return False
        h = t.handoffs
        with self.db.tx() as conn:
            if conn.execute(select(h.c.id).where(h.c.session_id == session_id)).first():
                return False
            conn.execute(h.insert().values(
                id=new_id("hof"), branch_id=branch_id, kiosk_id=kiosk_id, session_id=session_id,
                appointment_id=facts.pop("appointment_id", None), outcome=outcome[:64],
                facts=json.dumps(facts, ensure_ascii=False, sort_keys=True), status="open", ended_at=ended_at[:40]))
            self.db.touch(floor_key(branch_id))
        return True

    def queue(self, branch_id: str, *, include_served: bool = False) -> list[Handoff]:
        """The branch's hand-offs, oldest first."""
        h = t.handoffs
        query = select(h).where(h.c.branch_id == branch_id)
        if not include_served:
            query = query.where(h.c.status != "served")
        with self.db.read() as conn:
            return [_handoff(r) for r in conn.execute(query.order_by(h.c.ended_at, h.c.id)).all()]

    def get(self, branch_id: str, handoff_id: str) -> Handoff:
        """Raises HandoffNotFound for another branch's or an unknown id."""
        h = t.handoffs
        with self.db.read() as conn:
            row = conn.execute(select(h).where(and_(h.c.id == handoff_id, h.c.branch_id == branch_id))).first()
        if row is None:
            raise HandoffNotFound(handoff_id)
        return _handoff(row)

    def take(self, branch_id: str, handoff_id: str, staff_id: str) -> None:
        """A teller takes the customer over. Raises HandoffNotFound."""
        self._move(branch_id, handoff_id, {"status": "taken", "taken_by": staff_id})

    def serve(self, branch_id: str, handoff_id: str, staff_id: str) -> None:
        """The customer was served. Raises HandoffNotFound."""
        self._move(branch_id, handoff_id, {"status": "served", "taken_by": staff_id, "served_at": iso(self.clock())})

    def _move(self, branch_id: str, handoff_id: str, values: dict[str, Any]) -> None:
        h = t.handoffs
        with self.db.tx() as conn:
            done = conn.execute(update(h).where(and_(h.c.id == handoff_id, h.c.branch_id == branch_id,
                                                     h.c.status != "served")).values(**values))
            if not done.rowcount:
                raise HandoffNotFound(handoff_id)
            self.db.touch(floor_key(branch_id))


def _handoff(row: object) -> Handoff:
    r = row._mapping  # type: ignore[attr-defined]
    return Handoff(r["id"], r["branch_id"], r["kiosk_id"], r["session_id"], r["appointment_id"], r["outcome"],
                   json.loads(r["facts"]), r["status"], r["ended_at"], r["taken_by"], r["served_at"])
