"""recover() in-process: a crash (an exception no handler catches) at chosen journal points, then recovery.

The real-process SIGKILL campaign is in test_crash_campaign.py; these tests pin down what recovery reports.
"""

from __future__ import annotations

import pytest
from issuance_helpers import add_session, check_invariants, open_devices

from kiosk_app.flow.issuance import IssuanceService, Location, bind_unknown, recover
from sync_agent import journal, outbox


class Crash(BaseException):
    """Stands for the process dying: nothing in the service catches a BaseException."""


def _crash_at(point: str):
    def hook(at: str) -> None:
        if at == point:
            raise Crash(at)
    return hook


def _issue_until_crash(db, ledger, rig, point: str) -> None:
    devices = open_devices(rig.path, rig.reader)
    service = IssuanceService(db, devices.dispenser, devices.chip, taken_timeout_s=0.05, poll_s=0.005,
                              hook=_crash_at(point))
    service.book.set_storage(stack=rig.total, bin_count=0, reason="refill")
    with pytest.raises(Crash):
        service.issue(add_session(db, "s1"), bind=ledger.bind, set_pin=lambda r: True)
    devices.close()


def test_nothing_to_do_on_a_clean_start(db, ledger, rig_factory) -> None:
    rig = rig_factory(1)
    devices = open_devices(rig.path, rig.reader)
    report = recover(db, devices.dispenser, bind_lookup=ledger.lookup)
    devices.close()
    assert report.clean and not report.needs_staff and journal.entries(db) == []


def test_bound_card_of_a_dead_session_goes_to_the_bin_and_the_bank_is_told(db, ledger, rig_factory) -> None:
    rig = rig_factory(2)
    _issue_until_crash(db, ledger, rig, "post:issuance.pin.done")
    assert rig.emulator.snapshot()["ic"] is not None
    devices = open_devices(rig.path, rig.reader)
    report = recover(db, devices.dispenser, bind_lookup=ledger.lookup, chip=devices.chip)
    devices.close()
    [card] = report.cards
    assert (card.found_state, card.location, card.bound, card.problem) == ("pin.done", Location.BIN, True, None)
    [event] = outbox.pending(db, stream="issuance")
    assert event.kind == "card_retained" and event.payload["bound"] is True and event.payload["bind_key"]
    kinds = [e.kind for e in journal.entries(db)][-4:]
    assert kinds == ["issuance.recover.start", "issuance.retract.intent", "issuance.retract.done",
                     "issuance.recover.done"]
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)


def test_unknown_bind_outcome_is_reported_as_maybe_bound(db, ledger, rig_factory) -> None:
    rig = rig_factory(2)
    _issue_until_crash(db, ledger, rig, "pre:issuance.bind.done")
    devices = open_devices(rig.path, rig.reader)
    report = recover(db, devices.dispenser, bind_lookup=bind_unknown)
    devices.close()
    assert report.cards[0].bound is None and report.cards[0].location is Location.BIN
    assert outbox.pending(db, stream="issuance")[0].payload["bound"] is None
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)


def test_crash_before_the_card_left_the_stack_voids_the_row(db, ledger, rig_factory) -> None:
    rig = rig_factory(2)
    _issue_until_crash(db, ledger, rig, "post:issuance.dispense.intent")
    devices = open_devices(rig.path, rig.reader)
    report = recover(db, devices.dispenser, bind_lookup=ledger.lookup)
    devices.close()
    assert report.cards[0].location is Location.STACK and report.storage == {"stack": 2, "bin": 0}
    check_invariants(db, ledger, rig.emulator.snapshot(), rig.total)
