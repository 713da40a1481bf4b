"""Booking rules on both stores (SQLite file, PostgreSQL): two people cannot take the last place (raced from
threads), at most 2 open appointments per ID number, cancel and reschedule move places and reach the feed, and
nothing is half-saved when a rule refuses."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from central_service.db import Database
from central_service.migrations import upgrade
from central_service.phone.bookings import DRAFT_TTL_S, BookingError, Bookings
from central_service.store import Store

DAY = date(2030, 6, 3)
WHEN = datetime(2030, 6, 3, 2, 0, tzinfo=UTC)
PERSON = {"name": "王小明", "id_type": "resident_id", "id_number": "110105199003071234",
          "date_of_birth": "1990-03-07", "phone": "13912345678", "address": "北京市朝阳区建国路88号",
          "occupation": "20000"}
SERVICES = {"debit_card": True}
TAX = {"status": "china_only", "declared_at": "2030-06-01T00:00:00Z"}


@pytest.fixture
def store(database_url: str) -> Store:
    db = Database(database_url, pool_size=20)
    upgrade(db.engine)
    yield Store(db)
    db.dispose()


def filled(b: Bookings, phone: str, slot: str = "10:00", capacity: int = 4, id_number: str = PERSON["id_number"]):
    booking_id = b.start(phone, "BJ001", DAY, slot, capacity)
    booking = b.get(booking_id, phone)
    b.save_part(booking, "customer", {**PERSON, "id_number": id_number}, id_number=id_number)
    for part, value in (("services", SERVICES), ("tax_residency", TAX)):
        b.save_part(b.get(booking_id, phone), part, value)
    return b.get(booking_id, phone)


def test_two_people_cannot_take_the_last_place(store: Store) -> None:
    bookings = Bookings(store)
    won: list[str] = []
    refused: list[str] = []
    start = threading.Barrier(8)

    def attempt(n: int) -> None:
        start.wait()
        try:
            won.append(bookings.start(f"1390000000{n}", "BJ001", DAY, "10:00", capacity=1))
        except BookingError as exc:
            refused.append(exc.key)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(won) == 1 and refused == ["book.slot_full"] * 7
    assert bookings.places_left("BJ001", DAY.isoformat(), ("10:00", "11:00"), 1) == {"10:00": 0, "11:00": 1}
    assert store.count("phone_bookings") == 1  # the refused drafts left nothing behind


def test_at_most_two_open_appointments_per_id_number(store: Store) -> None:
    bookings = Bookings(store)
    first = filled(bookings, "13900000001")
    bookings.confirm(first, WHEN)
    filled(bookings, "13900000002")  # another phone, same person: a draft counts as open
    third_id = bookings.start("13900000003", "BJ001", DAY, "11:00", 4)
    third = bookings.get(third_id, "13900000003")
    with pytest.raises(BookingError, match=r"details\.too_many_open"):
        bookings.save_part(third, "customer", PERSON, id_number=PERSON["id_number"])
    assert "customer" not in bookings.get(third_id, "13900000003").draft  # nothing half-saved
    bookings.cancel(bookings.get(first.booking_id, "13900000001"))
    bookings.save_part(third, "customer", PERSON, id_number=PERSON["id_number"])  # one freed: now allowed


def test_redeemed_appointments_do_not_count_as_open(store: Store) -> None:
    bookings = Bookings(store)
    for n in (1, 2):
        booking = filled(bookings, f"1390000000{n}")
        doc = bookings.confirm(booking, WHEN)
        store.put_appointment({**doc, "status": "redeemed"})
    filled(bookings, "13900000003")


def test_confirm_publishes_into_the_feed_and_cancel_makes_a_tombstone(store: Store) -> None:
    bookings = Bookings(store)
    booking = filled(bookings, "13900000001", slot="09:00", capacity=1)
    doc = bookings.confirm(booking, WHEN)
    assert doc["kind"] == "individual" and doc["scheduled_for"] == "2030-06-03T02:00:00Z"
    rows, _ = store.feed("BJ001", 0, 10)
    assert [r.status for r in rows] == ["booked"]
    with pytest.raises(BookingError, match=r"book\.not_draft"):
        bookings.confirm(booking, WHEN)
    bookings.cancel(bookings.get(booking.booking_id, "13900000001"))
    rows, _ = store.feed("BJ001", 0, 10)
    assert [r.status for r in rows] == ["cancelled"]
    assert bookings.places_left("BJ001", DAY.isoformat(), ("09:00",), 1) == {"09:00": 1}


def test_reschedule_takes_the_new_place_before_freeing_the_old(store: Store) -> None:
    bookings = Bookings(store)
    booking = filled(bookings, "13900000001", slot="09:00", capacity=1)
    bookings.confirm(booking, WHEN)
    bookings.start("13900000009", "BJ001", DAY, "10:00", 1)  # 10:00 is now full
    booked = bookings.get(booking.booking_id, "13900000001")
    with pytest.raises(BookingError, match=r"book\.slot_full"):
        bookings.reschedule(booked, DAY, "10:00", 1, WHEN + timedelta(hours=1))
    assert bookings.get(booking.booking_id, "13900000001").slot == "09:00"  # unchanged
    bookings.reschedule(booked, DAY, "11:00", 1, WHEN + timedelta(hours=2))
    moved = bookings.get(booking.booking_id, "13900000001")
    assert (moved.slot, store.get_appointment(moved.booking_id)["scheduled_for"]) == ("11:00", "2030-06-03T04:00:00Z")
    assert bookings.places_left("BJ001", DAY.isoformat(), ("09:00", "11:00"), 1) == {"09:00": 1, "11:00": 0}


def test_nobody_reads_another_phones_booking(store: Store) -> None:
    bookings = Bookings(store)
    booking_id = bookings.start("13900000001", "BJ001", DAY, "10:00", 4)
    assert bookings.get(booking_id, "13900000002") is None
    assert bookings.mine("13900000002") == []


def test_one_person_racing_from_four_phones_gets_two_open_appointments(store: Store) -> None:
    bookings = Bookings(store)
    drafts = [bookings.get(bookings.start(f"1390000000{n}", "BJ001", DAY, "10:00", 8), f"1390000000{n}")
              for n in range(4)]
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def attempt(booking) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        try:
            bookings.save_part(booking, "customer", PERSON, id_number=PERSON["id_number"])
            outcomes.append("saved")
        except BookingError as exc:
            outcomes.append(exc.key)

    threads = [threading.Thread(target=attempt, args=(d,)) for d in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["details.too_many_open", "details.too_many_open", "saved", "saved"]


def test_abandoned_drafts_give_their_places_back_and_cancel_keeps_no_personal_data(store: Store) -> None:
    now = [1_900_000_000.0]
    bookings = Bookings(store, clock=lambda: now[0])
    abandoned = filled(bookings, "13900000001", slot="09:00", capacity=1)
    now[0] += DRAFT_TTL_S + 1
    fresh = bookings.start("13900000002", "BJ001", DAY, "09:00", 1)  # the abandoned draft's place
    gone = bookings.get(abandoned.booking_id, "13900000001")
    assert gone.status == "cancelled" and gone.draft == {}
    kept = filled(bookings, "13900000003", slot="10:00")
    bookings.cancel(kept)
    assert bookings.get(kept.booking_id, "13900000003").draft == {}
    assert bookings.get(fresh, "13900000002").status == "draft"
