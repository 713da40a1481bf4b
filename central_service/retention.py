"""Retention of personal data in the central store: what is held, and purging what is past its period.

Why these actions and not "delete everything old": kiosks follow the feed, so a row they hold must end in a way
the feed can tell them. A booking whose date passed is cancelled (a tombstone reaches every kiosk, which blanks
its copy) with its personal fields masked; a redeemed appointment keeps its row (kiosks count it in the branch
digest) with its personal fields masked in place; a cancelled appointment past its period is deleted and the
branch's purge horizon moves (a kiosk with an older cursor resyncs). Rows that others still need keep their row
and lose their personal data in place (an event keeps its key for idempotency, a payroll entry its masked name
for the batch's list, a phone booking its slot); the rest are deleted (walk-in form sessions, stored answers of
idempotent requests, texts sent, used sign-in codes, expired web sessions). A row purged in place is marked in
`purged_rows`, so the report counts only what still holds data. The periods are settings (`retention_*_days`);
the simulated core's records are the bank's own system's and out of scope (a real core keeps its own).

Every action runs in slices of SLICE rows per transaction, so a purge never holds the writer for long.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, and_, delete, func, insert, select, update

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
    phone: int = 7

    @classmethod
    def from_settings(cls, s: Settings) -> Periods:
        return cls(s.retention_completed_days, s.retention_cancelled_days, s.retention_expired_days,
                   s.retention_walk_in_days, s.retention_event_days, s.retention_answer_days, s.retention_payroll_days,
                   s.retention_phone_days)


@dataclass(frozen=True)
class Holding:
    """One kind of row: how many hold personal data, how many are past their period, the oldest one's time."""

    kind: str
    held: int
    due: int
    oldest: str | None
    period_days: int


@dataclass(frozen=True)
class InPlace:
    """A kind of row that keeps its row and loses its personal data: `column` is replaced by `replace(id, old)`."""

    kind: str
    id_column: Column
    column: str
    stamp: Column
    held: Any  # which rows hold personal data (before the purge mark is considered)
    done_with: Any  # which of them nothing needs any more (their period then runs from `stamp`)
    days: int
    replace: Callable[[str, str], str]


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

    def _sealed(self, table: str, column: str, value: str) -> Callable[[str, str], str]:
        return lambda row_id, _old: self.store.fields.encrypt_field(value, f"{table}.{column}:{row_id}")

    def _masked_doc(self, appointment_id: str, stored: str) -> str:
        doc = masked(json.loads(self.store.open_doc(appointment_id, stored)))
        return self.store.seal_doc(appointment_id, canonical_json(doc).decode("utf-8"))

    def _in_place(self) -> list[InPlace]:
        a, e, p, b, n = t.appointments, t.events, t.payroll_entries, t.phone_bookings, self.periods
        passed_day = (self.clock() - timedelta(days=n.phone)).date().isoformat()
        return [
            InPlace("completed appointments", a.c.id, "doc", a.c.updated_at, a.c.status == "redeemed", True,
                    n.completed, self._masked_doc),
            InPlace("event payloads", e.c.event_id, "payload", e.c.received_at, True, True, n.event,
                    self._sealed("events", "payload", PURGED_PAYLOAD)),
            InPlace("payroll entries", p.c.id, "doc", p.c.updated_at, True, p.c.state.in_(PAYROLL_FINAL), n.payroll,
                    self._sealed("payroll_entries", "doc", PURGED_PAYLOAD)),
            # A booking's day, not its last change, starts the period: a draft of a day long passed is dead.
            InPlace("booking drafts", b.c.id, "draft", b.c.day, True, b.c.day < passed_day, 0,
                    self._sealed("phone_bookings", "draft", "{}")),
        ]

    # --- what is held ------------------------------------------------------------------------------------------

    def report(self) -> list[Holding]:
        """One line per kind of row that holds personal data."""
        a, p = t.appointments, self.periods
        lines = [
            self._holding("booked appointments", a.c.updated_at, a.c.status == "booked", p.expired,
                          due=sum(1 for _ in self._expired())),
            self._holding("cancelled appointments", a.c.updated_at, a.c.status == "cancelled", p.cancelled),
            self._timed_holding("walk-in forms", t.walk_ins.c.expires_at, p.walk_in),
            self._holding("stored answers", t.idempotency.c.created_at, True, p.answer),
            self._timed_holding("texts sent (SMS)", t.sms_messages.c.sent_at, p.phone),
            self._timed_holding("sign-in codes", t.sign_in_codes.c.expires_at, p.phone),
            self._timed_holding("e-banking phone codes", t.phone_verifications.c.expires_at, p.phone),
            self._timed_holding("web sessions", t.web_sessions.c.expires_at, 0),
            self._holding("payroll ID images", t.payroll_entry_images.c.stored_at, True, p.payroll,
                          due=self._count(t.payroll_entry_images,
                                          t.payroll_entry_images.c.entry_id.in_(self._payroll_images_due()))),
        ]
        for kind in self._in_place():
            held = and_(kind.held, ~kind.id_column.in_(self._purged(kind.id_column.table.name)))
            lines.append(self._holding(kind.kind, kind.stamp, held, kind.days,
                                       due=self._count(kind.stamp.table, self._due(kind))))
        return lines

    @staticmethod
    def _purged(table: str) -> Any:
        r = t.purged_rows
        return select(r.c.row_id).where(r.c.table_name == table).scalar_subquery()

    def _count(self, table: Any, where: Any) -> int:
        with self.store.db.read() as conn:
            return conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()

    def _holding(self, kind: str, stamp: Column, where: Any, days: int, *, due: int | None = None) -> Holding:
        with self.store.db.read() as conn:
            held, oldest = conn.execute(select(func.count(), func.min(stamp)).select_from(stamp.table)
                                        .where(where)).one()
        if due is None:
            due = self._count(stamp.table, and_(where, stamp < self._cutoff(days)))
        return Holding(kind, held, due, oldest, days)

    def _timed_holding(self, kind: str, stamp: Column, days: int) -> Holding:
        """Rows stamped with epoch seconds (a session's or a code's expiry, a text's sending), due `days` after."""
        limit = (self.clock() - timedelta(days=days)).timestamp()
        with self.store.db.read() as conn:
            held, oldest = conn.execute(select(func.count(), func.min(stamp)).select_from(stamp.table)).one()
        when = iso(datetime.fromtimestamp(oldest, UTC)) if oldest is not None else None
        return Holding(kind, held, self._count(stamp.table, stamp < limit), when, days)

    # --- purging -----------------------------------------------------------------------------------------------

    def purge(self) -> dict[str, int]:
        """Purge everything past its period; how many rows of each kind."""
        p, now = self.periods, self.clock().timestamp()
        done = {
            "expired appointments": self._purge_expired(),
            "cancelled appointments": self._purge_cancelled(),
            "walk-in forms": self._delete_timed(t.walk_ins.c.expires_at, p.walk_in),
            "stored answers": self._delete_before(t.idempotency.c.created_at, p.answer),
            "texts sent (SMS)": self._delete_timed(t.sms_messages.c.sent_at, p.phone),
            "sign-in codes": self._delete_timed(t.sign_in_codes.c.expires_at, p.phone,
                                                t.sign_in_codes.c.locked_until < now),
            "e-banking phone codes": self._delete_timed(t.phone_verifications.c.expires_at, p.phone),
            "web sessions": self._delete_timed(t.web_sessions.c.expires_at, 0),
            "payroll ID images": self._purge_payroll_images(),
        }
        for kind in self._in_place():
            done[kind.kind] = self._purge_in_place(kind)
        return done

    def _payroll_images_due(self) -> Any:
        """Images of payroll entries in a final state for the payroll period (the teller checked them long ago)."""
        e = t.payroll_entries
        return select(e.c.id).where(and_(e.c.state.in_(PAYROLL_FINAL),
                                         e.c.updated_at < self._cutoff(self.periods.payroll))).scalar_subquery()

    def _purge_payroll_images(self) -> int:
        i = t.payroll_entry_images
        with self.store.db.tx() as conn:
            return conn.execute(delete(i).where(i.c.entry_id.in_(self._payroll_images_due()))).rowcount

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

    def _purge_expired(self) -> int:
        purged = 0
        for doc in list(self._expired()):
            self.store.put_appointment({**masked(doc), "status": "cancelled"})  # a tombstone for every kiosk
            purged += 1
        return purged

    def _purge_cancelled(self) -> int:
        a, cutoff, purged = t.appointments, self._cutoff(self.periods.cancelled), 0
        with self.store.db.read() as conn:
            branches = list(conn.execute(select(a.c.branch_id).where(
                and_(a.c.status == "cancelled", a.c.updated_at < cutoff)).distinct()).scalars())
        for branch_id in branches:
            purged += self.store.purge_tombstones(branch_id, before=cutoff)
        return purged

    def _delete_timed(self, stamp: Column, days: int, *also: Any) -> int:
        limit = (self.clock() - timedelta(days=days)).timestamp()
        with self.store.db.tx() as conn:
            return conn.execute(delete(stamp.table).where(stamp < limit, *also)).rowcount

    def _delete_before(self, stamp: Column, days: int) -> int:
        with self.store.db.tx() as conn:
            return conn.execute(delete(stamp.table).where(stamp < self._cutoff(days))).rowcount

    def _due(self, kind: InPlace) -> Any:
        due = and_(kind.held, kind.done_with, ~kind.id_column.in_(self._purged(kind.id_column.table.name)))
        return and_(due, kind.stamp < self._cutoff(kind.days)) if kind.days else due

    def _purge_in_place(self, kind: InPlace) -> int:
        table, r, purged = kind.id_column.table, t.purged_rows, 0
        while True:
            with self.store.db.tx() as conn:
                rows = conn.execute(select(kind.id_column, table.c[kind.column]).where(self._due(kind))
                                    .limit(SLICE)).all()
                for row_id, old in rows:
                    conn.execute(update(table).where(kind.id_column == row_id)
                                 .values({kind.column: kind.replace(row_id, old)}))
                    conn.execute(insert(r).values(table_name=table.name, row_id=row_id, purged_at=self.store.now()))
            purged += len(rows)
            if len(rows) < SLICE:
                return purged
