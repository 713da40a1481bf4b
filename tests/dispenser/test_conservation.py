"""Property test: whatever the driver asks and whatever faults strike, every card is in exactly one place,
and what the driver reads from the status bytes matches where the emulator's card really is."""

from __future__ import annotations

import contextlib
from collections import Counter
from typing import Any

from dispenser_helpers import make_pans, open_driver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.dispenser import CardDispenser, CardPosition, InitMode, Target
from drivers.sim.dispenser_emulator import DispenserEmulator, EmulatorError, LinkFault, MechFault

STEPS = [
    ("dispense", Target.IC), ("dispense", Target.GATE), ("move", Target.IC), ("move", Target.GATE),
    ("move", Target.HOLDING), ("retract", None), ("take", None), ("init", InitMode.CAPTURE),
    ("init", InitMode.NO_MOVE), ("init", InitMode.TO_GATE), ("fault", MechFault.JAM),
    ("fault", MechFault.JAM_STUCK), ("fault", MechFault.MOTOR_ERROR), ("fault", MechFault.MOVED_MANUALLY),
    ("fault", LinkFault.LOST_ACK), ("fault", LinkFault.NAK), ("fault", LinkFault.CORRUPT_RESPONSE),
    ("clear_jam", None), ("empty_bin", None),
]


def _cards(snap: dict[str, Any]) -> Counter[str]:
    cards = Counter(snap["stack"] + snap["taken"] + snap["bin"] + snap["staff"])
    if snap["channel"]:
        cards[snap["channel"]["pan"]] += 1
    return cards


def _do(driver: CardDispenser, emu: DispenserEmulator, op: str, arg: Any) -> None:
    if op == "dispense":
        driver.dispense(arg)
    elif op == "move":
        driver.move(arg)
    elif op == "retract":
        driver.retract()
    elif op == "init":
        driver.initialise(arg)
    elif op == "fault":
        emu.inject(arg)
    elif op == "take":
        with contextlib.suppress(EmulatorError):  # nothing at the gate: the customer's hand finds nothing
            emu.take_card()
    else:
        getattr(emu, op)()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(STEPS), max_size=25))
def test_every_card_is_in_exactly_one_place(steps: list[tuple[str, Any]]) -> None:
    pans = make_pans(6)
    with DispenserEmulator(pans, bin_capacity=2, initialised=True) as emu:
        driver = open_driver(emu.path)
        for op, arg in steps:
            _do(driver, emu, op, arg)
            snap = emu.snapshot()
            assert _cards(snap) == Counter(pans)
            status = driver.device_status()
            assert status.ok and status.value is not None
            at = snap["channel"]["at"] if snap["channel"] else None
            expected = {None: CardPosition.NONE, "holding": CardPosition.GATE, "gate": CardPosition.GATE}.get(
                at, CardPosition.IC)
            assert status.value.card_position is expected
            assert status.value.bin_full == (len(snap["bin"]) >= 2)
        driver.close()
