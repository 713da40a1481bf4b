"""Triage on the floor: the lobby manager sends a customer (a queue ticket, or an appointment code for a booked
customer, who then shows as arrived; no personal data) to a kiosk or a counter; the floor lists today's."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select

from central_service import schema as t
from central_service.db import Database
from central_service.staff.wakeups import floor_key
from central_service.store import new_id
from central_service.timefmt import iso

LABEL = re.compile(r"^[0-9A-Za-z-]{1,12}$")  # the queue ticket's number, e.g. A023
APPOINTMENT = re.compile(r"^[aA][pP][tT]_[0-9A-Za-z]{6,32}$")
COUNTER = re.compile(r"^counter-[1-9][0-9]?$")


class TriageRefused(ValueError):
    """The label is not a ticket number, or the destination is not a kiosk of the branch nor a counter."""


@dataclass(frozen=True)
class TriageEntry:
    label: str
    destination: str
    staff_id: str
    at: str


class Triage:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def send(self, branch_id: str, label: str, destination: str, staff_id: str, kiosk_ids: set[str]) -> None:
        """Record where the customer went. Raises TriageRefused."""
        label = label.strip()
        if APPOINTMENT.match(label):
            label = "apt_" + label[4:]  # ids are case-sensitive after the prefix
        elif LABEL.match(label):
            label = label.upper()
        else:
            raise TriageRefused("label")
        if destination not in kiosk_ids and not COUNTER.match(destination):
            raise TriageRefused("destination")
        with self.db.tx() as conn:
            conn.execute(t.triage.insert().values(id=new_id("tri"), branch_id=branch_id, label=label,
                                                  destination=destination, staff_id=staff_id, at=iso(self.clock())))
            self.db.touch(floor_key(branch_id))

    def since(self, branch_id: str, start: str, limit: int = 30) -> list[TriageEntry]:
        """The branch's decisions since `start` (ISO UTC), newest first."""
        tr = t.triage
        with self.db.read() as conn:
            rows = conn.execute(select(tr.c.label, tr.c.destination, tr.c.staff_id, tr.c.at)
                                .where(and_(tr.c.branch_id == branch_id, tr.c.at >= start))
                                .order_by(tr.c.at.desc()).limit(limit)).all()
        return [TriageEntry(*r) for r in rows]
