"""The phone's bookings: places per slot, drafts while the customer fills the forms, the published appointment.

Rules kept here, each inside one write transaction so nothing is half-saved:
- a place is taken by a conditional UPDATE (`taken < capacity`): two people cannot take the last one;
- a person (keyed hash of the ID number) has at most 2 open appointments (drafts with their ID or booked and
  not yet redeemed);
- the appointment enters the branch's feed only when the customer confirms; reschedule and cancel change the
  stored appointment, so the branch's kiosks learn of them through the feed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, text, update

from central_service import schema as t
from central_service.store import Store, new_id
from central_service.timefmt import iso

MAX_OPEN_PER_PERSON = 2
DRAFT_TTL_S = 2 * 3600  # a draft nobody touched for this long gives its place back
SWEEP_LIMIT = 50


class BookingError(Exception):
    """A booking rule refused the change; `key` is the page text that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Booking:
    booking_id: str
    phone: str
    branch_id: str
    day: str
    slot: str
    status: str  # draft | booked | cancelled
    draft: dict[str, Any]
    appointment_status: str | None  # the feed's view once booked: booked | redeemed | cancelled

    @property
    def is_open(self) -> bool:
        return self.status == "draft" or (self.status == "booked" and self.appointment_status == "booked")


class Bookings:
    """Bookings on the service's store."""

    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store, self.db, self.clock = store, store.db, clock

    def person_hash(self, id_number: str) -> str:
        """A blind index of the ID number (its key wrapped under the master key: not in the database)."""
        return self.store.fields.index_of("person:" + id_number)

    def _phone_key(self, phone: str) -> str:
        """Bookings are found by a blind index of the number; the number itself is never stored."""
        return self.store.fields.index_of(phone, chars=20)

    def _seal(self, booking_id: str, draft: dict[str, Any]) -> str:
        text = json.dumps(draft, ensure_ascii=False)
        return self.store.fields.encrypt_field(text, _draft_context(booking_id))

    def _open(self, booking_id: str, stored: str) -> dict[str, Any]:
        return json.loads(self.store.fields.decrypt_field(stored, _draft_context(booking_id)))

    # --- places --------------------------------------------------------------------------------------------

    def places_left(self, branch_id: str, day: str, slots: tuple[str, ...], capacity: int) -> dict[str, int]:
        """Free places of each slot of the day (slots nobody took yet have the branch's capacity)."""
        s = t.booking_slots
        with self.db.read() as conn:
            rows = dict(conn.execute(select(s.c.slot, s.c.capacity - s.c.taken)
                                     .where(and_(s.c.branch_id == branch_id, s.c.day == day))).all())
        return {slot: max(0, rows.get(slot, capacity)) for slot in slots}

    def _take(self, conn: Connection, branch_id: str, day: str, slot: str, capacity: int) -> None:
        s = t.booking_slots
        conn.execute(self.store._insert(s).values(branch_id=branch_id, day=day, slot=slot, capacity=capacity,
                                                  taken=0).on_conflict_do_nothing())
        taken = conn.execute(update(s).where(and_(s.c.branch_id == branch_id, s.c.day == day, s.c.slot == slot,
                                                  s.c.taken < s.c.capacity)).values(taken=s.c.taken + 1)).rowcount
        if taken != 1:
            raise BookingError("book.slot_full")

    def _sweep_drafts(self, conn: Connection, now: float) -> None:
        """Cancel drafts untouched for DRAFT_TTL_S (a few per call): their places and personal data go."""
        b = t.phone_bookings
        stale = conn.execute(select(b.c.id, b.c.branch_id, b.c.day, b.c.slot)
                             .where(and_(b.c.status == "draft", b.c.updated_at < now - DRAFT_TTL_S))
                             .limit(SWEEP_LIMIT)).all()
        for row in stale:
            self._release(conn, Booking(row.id, "", row.branch_id, row.day, row.slot, "draft", {}, None))
            conn.execute(update(b).where(b.c.id == row.id).values(status="cancelled", draft="{}", id_hash=None,
                                                                  updated_at=now))

    def _release(self, conn: Connection, booking: Booking) -> None:
        s = t.booking_slots
        conn.execute(update(s).where(and_(s.c.branch_id == booking.branch_id, s.c.day == booking.day,
                                          s.c.slot == booking.slot, s.c.taken > 0)).values(taken=s.c.taken - 1))

    # --- bookings ------------------------------------------------------------------------------------------

    def start(self, phone: str, branch_id: str, day: date, slot: str, capacity: int) -> str:
        """A draft holding a place (abandoned drafts give theirs back first). Raises BookingError("book.slot_full")."""
        booking_id, now = new_id("apt"), self.clock()
        with self.db.tx() as conn:
            self._sweep_drafts(conn, now)
            self._take(conn, branch_id, day.isoformat(), slot, capacity)
            conn.execute(t.phone_bookings.insert().values(
                id=booking_id, phone=self._phone_key(phone), branch_id=branch_id, day=day.isoformat(), slot=slot,
                status="draft", draft=self._seal(booking_id, {}), created_at=now, updated_at=now))
        return booking_id

    def get(self, booking_id: str, phone: str) -> Booking | None:
        """The booking if it belongs to `phone` (None otherwise: nobody reads another person's booking)."""
        found = self._select(phone, t.phone_bookings.c.id == booking_id)
        return found[0] if found else None

    def mine(self, phone: str) -> list[Booking]:
        """The phone's bookings, newest first."""
        return self._select(phone)

    def _select(self, phone: str, *where: Any) -> list[Booking]:
        b, a = t.phone_bookings, t.appointments
        query = (select(b.c.id, b.c.branch_id, b.c.day, b.c.slot, b.c.status, b.c.draft, a.c.status)
                 .select_from(b.outerjoin(a, a.c.id == b.c.id)).where(b.c.phone == self._phone_key(phone), *where)
                 .order_by(b.c.created_at.desc()))
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [Booking(row[0], phone, *row[1:5], self._open(row[0], row[5]), row[6]) for row in rows]

    def save_part(self, booking: Booking, part: str, value: Any, *, id_number: str | None = None) -> None:
        """Store one part of the draft (customer, services, tax_residency, risk_questionnaire).

        With `id_number` (the customer part) checks the person's open appointments.
        Raises BookingError("details.too_many_open") or ("book.not_draft").
        """
        b = t.phone_bookings
        with self.db.tx() as conn:
            current = conn.execute(select(b.c.status, b.c.draft).where(b.c.id == booking.booking_id)).one()
            if current.status != "draft":
                raise BookingError("book.not_draft")
            draft = {**self._open(booking.booking_id, current.draft), part: value}
            values: dict[str, Any] = {"draft": self._seal(booking.booking_id, draft), "updated_at": self.clock()}
            if id_number is not None:
                person = self.person_hash(id_number)
                if self.db.is_postgres:  # one person's count and write serialised (SQLite: the single writer)
                    conn.execute(text("SELECT pg_advisory_xact_lock(:id)"),
                                 {"id": int.from_bytes(bytes.fromhex(person)[:8], "big", signed=True)})
                if self._open_count(conn, person, booking.booking_id) >= MAX_OPEN_PER_PERSON:
                    raise BookingError("details.too_many_open")
                values["id_hash"] = person
            conn.execute(update(b).where(b.c.id == booking.booking_id).values(**values))

    def _open_count(self, conn: Connection, person: str, other_than: str) -> int:
        b, a = t.phone_bookings, t.appointments
        query = (select(func.count()).select_from(b.outerjoin(a, a.c.id == b.c.id))
                 .where(and_(b.c.id_hash == person, b.c.id != other_than,
                             or_(b.c.status == "draft", and_(b.c.status == "booked", a.c.status == "booked")))))
        return conn.execute(query).scalar_one()

    def confirm(self, booking: Booking, scheduled_for: datetime) -> dict[str, Any]:
        """Publish the draft as the branch's appointment (into the feed). Raises BookingError."""
        b = t.phone_bookings
        draft = booking.draft
        if not all(k in draft for k in ("customer", "services", "tax_residency")):
            raise BookingError("confirm.incomplete")
        doc = {"id": booking.booking_id, "branch_id": booking.branch_id, "kind": "individual", "status": "booked",
               "version": 1, "scheduled_for": iso(scheduled_for.astimezone(UTC)), "customer": draft["customer"],
               "services": draft["services"], "tax_residency": draft["tax_residency"]}
        if "risk_questionnaire" in draft:
            doc["risk_questionnaire"] = draft["risk_questionnaire"]
        with self.db.tx() as conn:
            done = conn.execute(update(b).where(and_(b.c.id == booking.booking_id, b.c.status == "draft"))
                                .values(status="booked", updated_at=self.clock())).rowcount
            if not done:
                raise BookingError("book.not_draft")
            return self.store.put_appointment(doc)

    def cancel(self, booking: Booking) -> None:
        """Cancel: the place is freed and a booked appointment becomes a tombstone in the feed."""
        b = t.phone_bookings
        with self.db.tx() as conn:
            done = conn.execute(update(b).where(and_(b.c.id == booking.booking_id, b.c.status != "cancelled"))
                                .values(status="cancelled", draft="{}", id_hash=None,  # no personal data kept
                                        updated_at=self.clock())).rowcount
            if not done:
                return
            self._release(conn, booking)
            if booking.status == "booked":
                doc = self.store.get_appointment(booking.booking_id, for_update=True)
                if doc is None or doc["status"] != "booked":
                    raise BookingError("mine.cannot_cancel")
                self.store.put_appointment({**doc, "status": "cancelled"})

    def reschedule(self, booking: Booking, day: date, slot: str, capacity: int,
                   scheduled_for: datetime) -> None:
        """Move to another slot (the new place taken before the old one is freed). Raises BookingError."""
        b = t.phone_bookings
        with self.db.tx() as conn:
            self._take(conn, booking.branch_id, day.isoformat(), slot, capacity)
            self._release(conn, booking)
            conn.execute(update(b).where(b.c.id == booking.booking_id)
                         .values(day=day.isoformat(), slot=slot, updated_at=self.clock()))
            if booking.status == "booked":
                doc = self.store.get_appointment(booking.booking_id, for_update=True)
                if doc is None or doc["status"] != "booked":
                    raise BookingError("mine.cannot_change")
                self.store.put_appointment({**doc, "scheduled_for": iso(scheduled_for.astimezone(UTC))})


def _draft_context(booking_id: str) -> str:
    """Where a booking's sealed draft belongs (its associated data): it opens in its own row only."""
    return f"phone_bookings.draft:{booking_id}"
