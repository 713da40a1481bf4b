"""Kiosk staff calls: opened by a kiosk's `staff_requested` event, answered on the lobby floor (acknowledge,
"on my way"), closed by the manager's decision at the kiosk or the session's end.

Every change touches the floor's and the calling kiosk's wake-up keys, so the floor view's event stream and the
kiosk's long-poll see it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select, update

from central_service import schema as t
from central_service.db import Database
from central_service.staff.wakeups import floor_key, kiosk_calls_key
from central_service.store import new_id
from central_service.timefmt import iso

ANSWERS = ("acknowledged", "on_way")
STATUSES = ("open", *ANSWERS, "closed")


class CallNotFound(LookupError):
    """No open call with that id in the caller's branch."""


@dataclass(frozen=True)
class StaffCall:
    call_id: str
    branch_id: str
    kiosk_id: str
    session_id: str | None
    reason: str
    status: str
    called_at: str
    received_at: str
    answered_by: str | None
    answered_at: str | None

    def for_kiosk(self) -> dict[str, object]:
        """The contract's StaffCall (no nulls)."""
        found = {"call_id": self.call_id, "session_id": self.session_id, "reason": self.reason,
                 "status": self.status, "called_at": self.called_at, "answered_by": self.answered_by,
                 "answered_at": self.answered_at}
        return {k: v for k, v in found.items() if v is not None}


class StaffCalls:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def _touch(self, branch_id: str, kiosk_id: str) -> None:
        self.db.touch(floor_key(branch_id))
        self.db.touch(kiosk_calls_key(kiosk_id))

    def open(self, branch_id: str, kiosk_id: str, session_id: str | None, reason: str, called_at: str) -> str:
        """A new call (a kiosk's earlier open calls for other sessions are closed: one customer per kiosk)."""
        call_id, c = new_id("call"), t.staff_calls
        with self.db.tx() as conn:
            conn.execute(update(c).where(and_(c.c.kiosk_id == kiosk_id, c.c.status != "closed"))
                         .values(status="closed"))
            conn.execute(c.insert().values(id=call_id, branch_id=branch_id, kiosk_id=kiosk_id, session_id=session_id,
                                           reason=reason[:64], status="open", called_at=called_at[:40],
                                           received_at=iso(self.clock())))
            self._touch(branch_id, kiosk_id)
        return call_id

    def answer(self, branch_id: str, call_id: str, status: str, staff_id: str) -> StaffCall:
        """Acknowledge or "on my way". Raises CallNotFound (unknown, closed, or another branch's), ValueError."""
        if status not in ANSWERS:
            raise ValueError(f"an answer is one of {ANSWERS}")
        c = t.staff_calls
        with self.db.tx() as conn:
            done = conn.execute(update(c).where(and_(c.c.id == call_id, c.c.branch_id == branch_id,
                                                     c.c.status != "closed"))
                                .values(status=status, answered_by=staff_id, answered_at=iso(self.clock())))
            if not done.rowcount:
                raise CallNotFound(call_id)
            call = self._get(call_id)
            self._touch(branch_id, call.kiosk_id)
        return call

    def close_session(self, branch_id: str, kiosk_id: str, session_id: str | None) -> None:
        """The manager decided at the kiosk, or the session ended: its calls are over."""
        c = t.staff_calls
        with self.db.tx() as conn:
            done = conn.execute(update(c).where(and_(c.c.kiosk_id == kiosk_id, c.c.session_id == session_id,
                                                     c.c.status != "closed")).values(status="closed"))
            if done.rowcount:
                self._touch(branch_id, kiosk_id)

    def _get(self, call_id: str) -> StaffCall:
        with self.db.read() as conn:
            row = conn.execute(select(t.staff_calls).where(t.staff_calls.c.id == call_id)).one()
        return _call(row)

    def for_kiosk(self, kiosk_id: str) -> list[StaffCall]:
        """The kiosk's calls that are not closed, newest first."""
        c = t.staff_calls
        with self.db.read() as conn:
            rows = conn.execute(select(c).where(and_(c.c.kiosk_id == kiosk_id, c.c.status != "closed"))
                                .order_by(c.c.received_at.desc(), c.c.id)).all()
        return [_call(r) for r in rows]

    def for_branch(self, branch_id: str) -> list[StaffCall]:
        """The branch's calls that are not closed, oldest first (the one waiting longest on top)."""
        c = t.staff_calls
        with self.db.read() as conn:
            rows = conn.execute(select(c).where(and_(c.c.branch_id == branch_id, c.c.status != "closed"))
                                .order_by(c.c.received_at, c.c.id)).all()
        return [_call(r) for r in rows]


def _call(row: object) -> StaffCall:
    r = row._mapping  # type: ignore[attr-defined]
    return StaffCall(r["id"], r["branch_id"], r["kiosk_id"], r["session_id"], r["reason"], r["status"],
                     r["called_at"], r["received_at"], r["answered_by"], r["answered_at"])
