"""Issuance end to end: pty dispenser emulator, real pcscd + vpcd virtual cards, the real SQLite journal."""

from __future__ import annotations

import threading

import pytest
from bind_ledger import SqliteBindLedger
from issuance_helpers import add_session, check_invariants

from drivers.sim.pboc_card import VirtualPbocCard
from kiosk_app.flow.adapters.issuer import STATUS_KEYS
from kiosk_app.flow.issuance import (
    IssuanceService,
    IssueStatus,
    Location,
    Progress,
    recover,
    staff_settle,
)
from sync_agent import journal, outbox
from sync_agent.localdb import LocalDb


def _service(db: LocalDb, devices, **kw) -> IssuanceService:
    service = IssuanceService(db, devices.dispenser, devices.chip, poll_s=0.01, **kw)
    return service


def _stock(service: IssuanceService, rig) -> None:
    service.book.set_storage(stack=rig.total, bin_count=0, reason="refill", staff_id="m1")


def _taker(rig, steps: list[str]):
    """A customer who takes the card as soon as the screen says so."""
    def on_progress(progress: Progress) -> None:
        steps.append(progress.step)
        if progress.step == "take_card":
            rig.emulator.take_card()
    return on_progress


def test_card_is_issued_and_every_step_journaled_before_and_after(db, ledger, rig_factory, devices_for) -> None:
    rig = rig_factory(3)
    service = _service(db, devices_for(rig), taken_timeout_s=5)
    _stock(service, rig)
    steps: list[str] = []
    out = service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True,
                        on_progress=_taker(rig, steps))
    assert out.status is IssueStatus.ISSUED and out.location is Location.CUSTOMER
    pan = rig.emulator.snapshot()["taken"][0]
    assert out.pan_masked == pan[:6] + "*" * 9 + pan[-4:]
    assert steps == ["dispensing", "reading_card", "binding", "setting_pin", "presenting", "take_card", "done"]
    kinds = [e.kind.removeprefix("issuance.") for e in journal.entries(db, session_id="s1")]
    assert kinds == ["dispense.intent", "dispense.done", "read.intent", "read.done", "bind.intent", "bind.done",
                     "pin.intent", "pin.done", "present.intent", "present.done", "taken"]
    assert pan not in str([e.record for e in journal.entries(db)])
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)


def test_card_not_taken_is_retracted_and_the_bank_is_told(db, ledger, rig_factory, devices_for) -> None:
    rig = rig_factory(3)
    service = _service(db, devices_for(rig), taken_timeout_s=0.2)
    _stock(service, rig)
    seen: list[Progress] = []
    out = service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True, on_progress=seen.append)
    assert out.status is IssueStatus.NOT_TAKEN and out.location is Location.BIN
    assert not STATUS_KEYS[out.status][1]  # the journey's one status table
    assert any(p.step == "take_card" and p.timeout_s == 0.2 for p in seen)
    events = outbox.pending(db, stream="issuance")
    assert [e.kind for e in events] == ["card_retained"] and events[0].payload["bound"] is True
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)


@pytest.mark.parametrize("what", ["bind_refused", "bind_raises", "pin_refused", "pin_raises", "cancelled"])
def test_a_card_that_must_not_go_out_is_captured(tmp_path, db, rig_factory, devices_for, what) -> None:
    rig = rig_factory(3)
    cancel = threading.Event()
    service = _service(db, devices_for(rig), taken_timeout_s=30, cancel=cancel)
    _stock(service, rig)
    ledger = SqliteBindLedger(tmp_path / "l.db", refuse_sessions=frozenset({"s1"} if what == "bind_refused" else ()))

    def bind(request):
        if what == "bind_raises":
            raise ConnectionError("bank down")
        return ledger.bind(request)

    def set_pin(request) -> bool:
        if what == "pin_raises":
            raise TimeoutError("pad silent")
        return what != "pin_refused"

    def on_progress(p: Progress) -> None:
        if p.step == "take_card":
            cancel.set()

    out = service.issue(add_session(db, "s1"), bind=bind, set_pin=set_pin, on_progress=on_progress)
    expected = {"bind_refused": IssueStatus.BIND_REFUSED, "bind_raises": IssueStatus.BIND_REFUSED,
                "pin_refused": IssueStatus.PIN_FAILED, "pin_raises": IssueStatus.PIN_FAILED,
                "cancelled": IssueStatus.CANCELLED}[what]
    assert out.status is expected and out.location is Location.BIN
    told = [e.payload["bound"] for e in outbox.pending(db, stream="issuance")]
    assert told == ([] if what == "bind_refused" else [None] if what == "bind_raises" else [True])
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)
    ledger.close()


def test_unreadable_chip_is_captured(db, ledger, rig_factory, devices_for) -> None:
    def blocked(pan: str, port: int) -> VirtualPbocCard:
        card = VirtualPbocCard(pan, port=port)
        card.blocked = True
        return card

    rig = rig_factory(2, card_factory=blocked)
    service = _service(db, devices_for(rig))
    _stock(service, rig)
    out = service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True)
    assert out.status is IssueStatus.CHIP_ERROR and out.location is Location.BIN and out.pan_masked is None
    assert ledger.bound_cards() == []
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)


def test_stock_empty_and_bin_full_are_typed_and_touch_nothing(db, ledger, rig_factory, devices_for) -> None:
    rig = rig_factory(1, bin_capacity=1)
    service = _service(db, devices_for(rig), taken_timeout_s=0.05)
    _stock(service, rig)
    assert service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True).status \
        is IssueStatus.NOT_TAKEN
    full = service.issue(add_session(db, "s2"), bind=ledger.bind, set_pin=lambda r: True)
    assert full.status is IssueStatus.BIN_FULL and STATUS_KEYS[full.status] == ("bin_full", True)
    rig.emulator.empty_bin()
    service.book.set_storage(bin_count=0, reason="bin emptied", staff_id="m1")
    devices_for(rig).driver.set_bin_counter(0)
    empty = service.issue(add_session(db, "s3"), bind=ledger.bind, set_pin=lambda r: True)
    assert empty.status is IssueStatus.STOCK_EMPTY and empty.card_id is None and STATUS_KEYS[empty.status][1]
    assert service.book.storage() == {"stack": 0, "bin": 0}


def test_jam_needs_staff_then_issuing_resumes(db, ledger, rig_factory, devices_for) -> None:
    rig = rig_factory(3)
    devices = devices_for(rig)
    service = _service(db, devices, taken_timeout_s=5)
    _stock(service, rig)
    devices.dispenser.status()  # initialise after power-on
    rig.emulator.inject("jam_stuck")
    jam = service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True)
    assert jam.status is IssueStatus.JAM and jam.location is Location.CHANNEL and STATUS_KEYS[jam.status][1]
    blocked = service.issue(add_session(db, "s2"), bind=ledger.bind, set_pin=lambda r: True)
    assert blocked.status is IssueStatus.NEEDS_RECOVERY
    rig.emulator.clear_jam()
    staff_settle(db, jam.card_id, Location.STAFF, staff_id="m1", note="pulled out jammed card")
    report = recover(db, devices.dispenser, bind_lookup=ledger.lookup)
    assert report.clean
    out = service.issue(add_session(db, "s3"), bind=ledger.bind, set_pin=lambda r: True,
                        on_progress=_taker(rig, []))
    assert out.status is IssueStatus.ISSUED
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)
