"""Booking pages: my appointments (the signed-in phone's home), choose a branch, choose a day and a slot, and
reschedule an existing booking to another slot."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response

from central_service.phone.bookings import BookingError
from central_service.phone.branches import Branch
from central_service.phone.phone_pages import PAGES, bookings, network, own_booking, signed_in_phone
from central_service.web import PageError, PageRequest


def _branch(branch_id: str) -> Branch:
    found = network().branches.get(branch_id)
    if found is None:
        raise PageError(404, "error.not_found")
    return found


def branch_view(req: PageRequest, branch: Branch) -> dict[str, str]:
    return {"id": branch.branch_id, "name": branch.name[req.locale], "address": branch.address[req.locale],
            "hours": branch.hours[req.locale]}


@PAGES.page
def home(req: PageRequest) -> Response:
    """My appointments, newest first, with what can be done with each."""
    if not req.session.principal:
        return req.redirect("/phone/sign-in")
    phone = signed_in_phone(req)
    rows = []
    for booking in bookings(req).mine(phone):
        branch = network().branches.get(booking.branch_id)
        rows.append({"booking": booking, "branch": branch_view(req, branch) if branch else None})
    return req.render("mine.html", rows=rows, notice=req.session.pop("notice"))


@PAGES.page
def choose_branch(req: PageRequest) -> Response:
    signed_in_phone(req)
    form = req.form
    if req.is_post:
        if form.value("branch") in network().branches:
            return req.redirect(f"/phone/book/{form.value('branch')}")
        form.fail("branch", "book.branch_missing")
    branches = [branch_view(req, b) for b in network().branches.values()]
    return req.render("book_branch.html", status=422 if form.errors else 200, form=form, branches=branches)


def slot_picker(req: PageRequest, branch: Branch) -> dict[str, object]:
    """The days the branch offers (links) and the chosen day's slots with their free places."""
    now = req.central.store.clock()
    days = [d for d in network().days(branch, now) if any(network().bookable(branch, d, s, now) for s in branch.slots)]
    chosen = next((d for d in days if d.isoformat() == req.query("day", req.form.value("day"))), None)
    chosen = chosen or (days[0] if days else None)
    slots = []
    if chosen is not None:
        left = bookings(req).places_left(branch.branch_id, chosen.isoformat(), branch.slots, branch.capacity)
        slots = [{"slot": s, "left": n, "open": n > 0 and network().bookable(branch, chosen, s, now)}
                 for s, n in left.items()]
    labels = [{"iso": d.isoformat(), "label": f"{d.month}/{d.day} {req.t(f'book.weekday_{d.weekday()}')}"}
              for d in days]
    return {"days": labels, "day": chosen.isoformat() if chosen else "", "slots": slots,
            "branch": branch_view(req, branch)}


def picked_slot(req: PageRequest, branch: Branch) -> tuple[date, str] | None:
    """The posted day and slot if the branch offers them now; else records the field error."""
    day = date.fromisoformat(req.form.value("day")) if _is_iso(req.form.value("day")) else None
    slot = req.form.value("slot")
    if day is None or not network().bookable(branch, day, slot, req.central.store.clock()):
        req.form.fail("slot", "book.slot_missing")
        return None
    return day, slot


def _is_iso(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


@PAGES.page
def choose_slot(req: PageRequest) -> Response:
    phone = signed_in_phone(req)
    branch = _branch(req.param("branch_id"))
    if req.is_post:
        picked = picked_slot(req, branch)
        if picked:
            try:
                booking_id = bookings(req).start(phone, branch.branch_id, picked[0], picked[1], branch.capacity)
            except BookingError as exc:
                req.form.fail("slot", exc.key)
            else:
                return req.redirect(f"/phone/bookings/{booking_id}/details")
    return req.render("book_slot.html", status=422 if req.form.errors else 200, form=req.form,
                      action_key="book.take_slot", notice=None, **slot_picker(req, branch))


@PAGES.page
def reschedule(req: PageRequest) -> Response:
    """Another day or slot for a booking (the new place is taken before the old one is freed)."""
    booking = own_booking(req)
    if not booking.is_open:
        raise PageError(409, "mine.cannot_change")
    branch = _branch(booking.branch_id)
    if req.is_post:
        picked = picked_slot(req, branch)
        if picked:
            try:
                bookings(req).reschedule(booking, picked[0], picked[1], branch.capacity,
                                         network().starts_at(*picked))
            except BookingError as exc:
                req.form.fail("slot", exc.key)
            else:
                req.session.set("notice", "mine.rescheduled")
                target = "details" if booking.status == "draft" else "appointment"
                return req.redirect(f"/phone/bookings/{booking.booking_id}/{target}")
    return req.render("book_slot.html", status=422 if req.form.errors else 200, form=req.form,
                      action_key="mine.reschedule_to", notice=req.session.pop("notice"), **slot_picker(req, branch))


@PAGES.page
def cancel(req: PageRequest) -> Response:
    """Cancel (POST only): the place is freed and the branch's kiosks refuse the code once the feed brings it."""
    booking = own_booking(req)
    try:
        bookings(req).cancel(booking)
    except BookingError as exc:
        raise PageError(409, exc.key) from None
    req.session.set("notice", "mine.cancelled")
    return req.redirect("/phone/")
