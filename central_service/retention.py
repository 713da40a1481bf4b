"""Retention of personal data in the central store: what is held, and purging what is past its period.

Why these actions and not "delete everything old": kiosks follow the feed, so a row they hold must end in a way
the feed can tell them. A booking whose date passed is cancelled (a tombstone reaches every kiosk, which blanks
its copy) with its personal fields masked; a redeemed appointment keeps its row (kiosks count it in the branch
digest) with its personal fields masked in place; a cancelled appointment past its period is deleted and the
branch's purge horizon moves (a kiosk with an older cursor resyncs). Walk-in form sessions and stored answers
of idempotent requests are deleted; an event keeps its key (idempotency) and loses its payload. Payroll entries
(issue 16) are added here once that store lands. The periods are settings (`retention_*_days`); the simulated
core's records are the bank's own system's and out of scope (a real core keeps its own retention).

Every action runs in slices of SLICE rows per transaction, so a purge never holds the writer for long.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update

from central_api_client.checksum import canonical_json
from central_service import schema as t
from central_service.settings import Settings
from central_service.store import Store
from central_service.timefmt import iso

SLICE = 500
PURGED_PAYLOAD = '{"purged":true}'
PAYROLL_FINAL = ("removed", "failed", "opened")  # payroll/states.py: nothing further needs the employee's data
MASKED_BIRTH_DATE = "1900-01-01"  # the contract requires a date of birth; this one says "not kept"


@dataclass(frozen=True)
class Periods:
    """How long each kind of row keeps its personal data, in days."""

    completed: int = 30
    cancelled: int = 30
    expired: int = 7
    walk_in: int = 7
    event: int = 90
    answer: int = 30
    payroll: int = 90

    @classmethod
    def from_settings(cls, s: Settings) -> Periods:
        return cls(s.retention_completed_days, s.retention_cancelled_days, s.retention_expired_days,
                   s.retention_walk_in_days, s.retention_event_days, s.retention_answer_days, s.retention_payroll_days)


@dataclass(frozen=True)
class Holding:
    """One kind of row: how many hold personal data, how many are past their period, the oldest one's time."""

    kind: str
    held: int
    due: int
    oldest: str | None
    period_days: int


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """The appointment with its personal fields replaced by masks (still a valid contract document)."""
    customer = doc["customer"]
    kept = {"name": "*", "id_type": customer["id_type"], "id_number": "*****", "date_of_birth": MASKED_BIRTH_DATE}
    out = {k: v for k, v in doc.items() if k not in ("tax_residency", "risk_questionnaire")}
    out["customer"] = kept
    if doc.get("payroll"):
        out["payroll"] = {k: v for k, v in doc["payroll"].items() if k != "employee_number"}
    return out


class Retention:
    """Reports and purges, on one Store, with the periods given and an injected clock."""

    def __init__(self, store: Store, periods: Periods, *, clock: Callable[[], datetime] | None = None) -> None:
        self.store, self.periods = store, periods
        self.clock = clock or store.clock

    def _cutoff(self, days: int) -> str:
        return iso(self.clock() - timedelta(days=days))

    # --- what is held ------------------------------------------------------------------------------------------

    def report(self) -> list[Holding]:
        """One line per kind of row that holds personal data."""
        a, p = t.appointments, self.periods
        redeemed = and_(a.c.status == "redeemed", ~a.c.id.in_(self._purged("appointments")))
        return [
            self._holding("booked appointments", a, a.c.updated_at, a.c.status == "booked", p.expired,
                          due=self._expired_count()),
            self._holding("completed appointments", a, a.c.updated_at, redeemed, p.completed),
            self._holding("cancelled appointments", a, a.c.updated_at, a.c.status == "cancelled", p.cancelled),
            self._walk_in_holding(),
            self._holding("event payloads", t.events, t.events.c.received_at,
                          ~t.events.c.event_id.in_(self._purged("events")), p.event),
            self._holding("stored answers", t.idempotency, t.idempotency.c.created_at, True, p.answer),
            self._holding("payroll entries", t.payroll_entries, t.payroll_entries.c.updated_at,
                          ~t.payroll_entries.c.id.in_(self._purged("payroll_entries")), p.payroll,
                          due=self._payroll_due_count()),
        ]

    @staticmethod
    def _purged(table: str) -> Any:
        r = t.purged_rows
        return select(r.c.row_id).where(r.c.table_name == table).scalar_subquery()

    def _holding(self, kind: str, table: Any, stamp: Any, where: Any, days: int, *, due: int | None = None) -> Holding:
        with self.store.db.read() as conn:
            held, oldest = conn.execute(select(func.count(), func.min(stamp)).select_from(table).where(where)).one()
            if due is None:
                due = conn.execute(select(func.count()).select_from(table)
                                   .where(and_(where, stamp < self._cutoff(days)))).scalar_one()
        return Holding(kind, held, due, oldest, days)

    def _walk_in_holding(self) -> Holding:
        w, days = t.walk_ins, self.periods.walk_in
        limit = (self.clock() - timedelta(days=days)).timestamp()
        with self.store.db.read() as conn:
            held, oldest = conn.execute(select(func.count(), func.min(w.c.expires_at))).one()
            due = conn.execute(select(func.count()).where(w.c.expires_at < limit)).scalar_one()
        when = iso(datetime.fromtimestamp(oldest, UTC)) if oldest is not None else None
        return Holding("walk-in forms", held, due, when, days)

    # --- purging -----------------------------------------------------------------------------------------------

    def purge(self) -> dict[str, int]:
        """Purge everything past its period; how many rows of each kind."""
        return {
            "expired appointments": self._purge_expired(),
            "completed appointments": self._purge_completed(),
            "cancelled appointments": self._purge_cancelled(),
            "walk-in forms": self._purge_walk_ins(),
            "event payloads": self._purge_events(),
            "stored answers": self._purge_answers(),
            "payroll entries": self._purge_payroll(),
        }

    def _expired(self) -> Iterator[dict[str, Any]]:
        """Booked appointments unchanged for the period whose date (or booking, without one) is past it."""
        a, cutoff, after = t.appointments, self._cutoff(self.periods.expired), ""
        while True:
            query = (select(a.c.id, a.c.doc).where(and_(a.c.status == "booked", a.c.updated_at < cutoff,
                                                        a.c.id > after)).order_by(a.c.id).limit(SLICE))
            with self.store.db.read() as conn:
                rows = conn.execute(query).all()
            for appointment_id, stored in rows:
                doc = json.loads(self.store.open_doc(appointment_id, stored))
                if (doc.get("scheduled_for") or doc["created_at"]) < cutoff:
                    yield doc
            if len(rows) < SLICE:
                return
            after = rows[-1].id

    def _expired_count(self) -> int:
        return sum(1 for _ in self._expired())

    def _purge_expired(self) -> int:
        purged = 0
        for doc in list(self._expired()):
            self.store.put_appointment({**masked(doc), "status": "cancelled"})  # a tombstone for every kiosk
            purged += 1
        return purged

    def _purge_completed(self) -> int:
        a, r = t.appointments, t.purged_rows
        cutoff, purged = self._cutoff(self.periods.completed), 0
        while True:
            with self.store.db.tx() as conn:
                rows = conn.execute(select(a.c.id, a.c.doc).where(and_(
                    a.c.status == "redeemed", a.c.updated_at < cutoff, ~a.c.id.in_(self._purged("appointments"))))
                    .limit(SLICE)).all()
                for appointment_id, stored in rows:
                    doc = masked(json.loads(self.store.open_doc(appointment_id, stored)))
                    sealed = self.store.seal_doc(appointment_id, canonical_json(doc).decode("utf-8"))
                    conn.execute(update(a).where(a.c.id == appointment_id).values(doc=sealed))
                    conn.execute(insert(r).values(table_name="appointments", row_id=appointment_id,
                                                  purged_at=self.store.now()))
            purged += len(rows)
            if len(rows) < SLICE:
                return purged

    def _purge_cancelled(self) -> int:
        a, cutoff, purged = t.appointments, self._cutoff(self.periods.cancelled), 0
        with self.store.db.read() as conn:
            branches = list(conn.execute(select(a.c.branch_id).where(
                and_(a.c.status == "cancelled", a.c.updated_at < cutoff)).distinct()).scalars())
        for branch_id in branches:
            purged += self.store.purge_tombstones(branch_id, before=cutoff)
        return purged

    def _purge_walk_ins(self) -> int:
        w = t.walk_ins
        limit = (self.clock() - timedelta(days=self.periods.walk_in)).timestamp()
        with self.store.db.tx() as conn:
            return conn.execute(delete(w).where(w.c.expires_at < limit)).rowcount

    def _purge_events(self) -> int:
        e, r = t.events, t.purged_rows
        cutoff, purged = self._cutoff(self.periods.event), 0
        while True:
            with self.store.db.tx() as conn:
                ids = list(conn.execute(select(e.c.event_id).where(and_(
                    e.c.received_at < cutoff, ~e.c.event_id.in_(self._purged("events")))).limit(SLICE)).scalars())
                for event_id in ids:
                    sealed = self.store.fields.encrypt_field(PURGED_PAYLOAD, f"events.payload:{event_id}")
                    conn.execute(update(e).where(e.c.event_id == event_id).values(payload=sealed))
                    conn.execute(insert(r).values(table_name="events", row_id=event_id, purged_at=self.store.now()))
            purged += len(ids)
            if len(ids) < SLICE:
                return purged

    def _payroll_due(self) -> Any:
        e = t.payroll_entries
        return and_(e.c.state.in_(PAYROLL_FINAL), e.c.updated_at < self._cutoff(self.periods.payroll),
                    ~e.c.id.in_(self._purged("payroll_entries")))

    def _payroll_due_count(self) -> int:
        with self.store.db.read() as conn:
            return conn.execute(select(func.count()).select_from(t.payroll_entries).where(self._payroll_due()))\
                .scalar_one()

    def _purge_payroll(self) -> int:
        """Entries whose batch is done with them: the personal JSON goes (the masked name and number stay)."""
        e, r, purged = t.payroll_entries, t.purged_rows, 0
        while True:
            with self.store.db.tx() as conn:
                ids = list(conn.execute(select(e.c.id).where(self._payroll_due()).limit(SLICE)).scalars())
                for entry_id in ids:
                    sealed = self.store.fields.encrypt_field(PURGED_PAYLOAD, f"payroll_entries.doc:{entry_id}")
                    conn.execute(update(e).where(e.c.id == entry_id).values(doc=sealed))
                    conn.execute(insert(r).values(table_name="payroll_entries", row_id=entry_id,
                                                  purged_at=self.store.now()))
            purged += len(ids)
            if len(ids) < SLICE:
                return purged

    def _purge_answers(self) -> int:
        i = t.idempotency
        with self.store.db.tx() as conn:
            return conn.execute(delete(i).where(i.c.created_at < self._cutoff(self.periods.answer))).rowcount
