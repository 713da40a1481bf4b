"""The driver against the emulator over a real pty: commands, outcomes, storage units and the IC hooks."""

from __future__ import annotations

import threading

import pytest
from dispenser_helpers import make_pans, open_driver

from drivers.dispenser import CardDispenser, CardPosition, ErrorClass, InitMode, StorageUnitState, Target
from drivers.sim.dispenser_emulator import DispenserEmulator, EmulatorError, MechFault
from drivers.status import Completion, DeviceState


def test_commands_need_initialise_after_power_on(dispenser: CardDispenser) -> None:
    result = dispenser.move(Target.IC)
    assert (result.completion, result.error_code) == (Completion.DEVICE_NOT_READY, "notInitialised")
    assert result.error_class is ErrorClass.NEEDS_INITIALISE
    init = dispenser.initialise()
    assert init.ok and init.value is not None
    assert init.value.firmware == "CRT-591-M001"
    assert init.value.status.card_position is CardPosition.NONE


def test_issue_one_card(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    at_ic = ready.dispense(Target.IC)
    assert at_ic.ok and at_ic.value is not None and at_ic.value.card_position is CardPosition.IC
    assert emulator.locate(pans[0]) == "ic"
    at_gate = ready.move(Target.GATE)
    assert at_gate.ok and at_gate.value is not None and at_gate.value.card_position is CardPosition.GATE
    assert emulator.take_card() == pans[0]
    taken = ready.wait_taken(5.0, poll_interval=0.01)
    assert taken.ok and taken.value is not None and taken.value.card_position is CardPosition.NONE
    snap = emulator.snapshot()
    assert snap["taken"] == [pans[0]] and snap["stack"] == pans[1:]
    assert snap["counters"]["dispensed"] == 1


def test_dispense_refuses_when_a_card_is_in_the_channel(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    assert ready.dispense(Target.IC).ok
    again = ready.dispense(Target.IC)
    assert (again.completion, again.error_code) == (Completion.COMMAND_ERROR, "occupied")
    assert emulator.snapshot()["counters"]["dispensed"] == 1


def test_retract_to_bin_and_bin_full(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    for i in range(3):  # the fixture's bin holds 3
        assert ready.dispense(Target.GATE).ok
        assert ready.retract().ok
        assert emulator.locate(pans[i]) == "bin"
    status = ready.device_status().value
    assert status is not None and status.bin_full and status.bin_unit is StorageUnitState.FULL
    assert ready.dispense(Target.IC).ok
    full = ready.retract()
    assert (full.completion, full.error_code, full.error_class) == (
        Completion.COMMAND_ERROR, "full", ErrorClass.NEEDS_STAFF)
    assert emulator.locate(pans[3]) == "ic"
    assert ready.bin_counter().value == 3
    emulator.empty_bin()
    assert ready.set_bin_counter(0).ok and ready.bin_counter().value == 0
    assert ready.retract().ok


def test_retract_with_empty_channel_is_no_media(ready: CardDispenser) -> None:
    result = ready.retract()
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "noMedia")


def test_stock_low_then_empty() -> None:
    with DispenserEmulator(make_pans(2), low_threshold=1, initialised=True) as emu:
        driver = open_driver(emu.path)
        states = []
        for _ in range(2):
            states.append(driver.device_status().value.stock_unit)  # type: ignore[union-attr]
            assert driver.dispense(Target.GATE).ok
            emu.take_card()
        states.append(driver.device_status().value.stock_unit)  # type: ignore[union-attr]
        assert states == [StorageUnitState.OK, StorageUnitState.LOW, StorageUnitState.EMPTY]
        empty = driver.dispense(Target.IC)
        assert (empty.completion, empty.error_code, empty.error_class) == (
            Completion.COMMAND_ERROR, "noMedia", ErrorClass.NEEDS_STAFF)
        emu.refill(make_pans(1, prefix="622200"))
        assert driver.dispense(Target.IC).ok
        driver.close()


def test_jam_then_initialise_captures(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    emulator.inject(MechFault.JAM)
    jam = ready.dispense(Target.IC)
    assert (jam.completion, jam.error_code, jam.error_class) == (
        Completion.COMMAND_ERROR, "mediaJam", ErrorClass.NEEDS_STAFF)
    assert emulator.locate(pans[0]) == "jammed"
    assert ready.move(Target.GATE).error_code == "mediaJam"
    assert ready.initialise(InitMode.CAPTURE).ok
    assert emulator.locate(pans[0]) == "bin"


def test_stuck_jam_needs_staff(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    emulator.inject(MechFault.JAM_STUCK)
    assert ready.dispense(Target.IC).error_code == "mediaJam"
    assert ready.initialise(InitMode.CAPTURE).error_code == "mediaJam"
    assert emulator.clear_jam() == pans[0]
    assert ready.initialise().ok
    assert emulator.snapshot()["staff"] == [pans[0]]


@pytest.mark.parametrize(
    ("fault", "error_code", "error_class"),
    [
        (MechFault.MOTOR_ERROR, "motorError", ErrorClass.FATAL),
        (MechFault.MOVED_MANUALLY, "mediaMovedManually", ErrorClass.NEEDS_INITIALISE),
    ],
)
def test_latched_faults_clear_on_initialise(
    ready: CardDispenser, emulator: DispenserEmulator, fault: MechFault, error_code: str, error_class: ErrorClass
) -> None:
    emulator.inject(fault)
    for _ in range(2):
        result = ready.dispense(Target.IC)
        assert (result.error_code, result.error_class) == (error_code, error_class)
    assert emulator.snapshot()["counters"]["dispensed"] == 0
    assert ready.initialise().ok
    assert ready.dispense(Target.IC).ok


def test_initialise_modes(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    assert ready.dispense(Target.IC).ok
    assert ready.initialise(InitMode.NO_MOVE).ok
    assert emulator.locate(pans[0]) == "ic"
    assert ready.initialise(InitMode.TO_GATE_COUNTED).ok
    assert emulator.locate(pans[0]) == "holding"
    assert ready.initialise(InitMode.CAPTURE).ok
    assert emulator.locate(pans[0]) == "bin"
    assert emulator.snapshot()["counters"]["retracted"] == 1


def test_ic_hooks_fire_on_arrival_and_departure(pans: list[str]) -> None:
    events: list[tuple[str, str]] = []
    with DispenserEmulator(pans, initialised=True, on_card_at_ic=lambda pan: events.append(("at", pan)),
                           on_card_left_ic=lambda pan: events.append(("left", pan))) as emu:
        driver = open_driver(emu.path)
        assert driver.dispense(Target.IC).ok
        assert events == [("at", pans[0])]  # fired before the answer reached us
        assert driver.move(Target.IC).ok
        assert driver.move(Target.HOLDING).ok
        assert driver.move(Target.IC).ok
        assert driver.retract().ok
        assert driver.dispense(Target.GATE).ok
        driver.close()
    assert events == [("at", pans[0]), ("left", pans[0]), ("at", pans[0]), ("left", pans[0])]


def test_gate_entry(ready: CardDispenser, emulator: DispenserEmulator, pans: list[str]) -> None:
    assert ready.dispense(Target.GATE).ok
    emulator.take_card()
    assert not emulator.insert_card(pans[0])
    assert ready.set_gate_entry(True).ok
    assert emulator.insert_card(pans[0])
    assert ready.device_status().value.card_position is CardPosition.IC  # type: ignore[union-attr]
    assert emulator.locate(pans[0]) == "rf"
    assert ready.set_gate_entry(False).ok
    assert not emulator.snapshot()["gate_entry"]


def test_counters_and_sensors(ready: CardDispenser) -> None:
    assert ready.serial_number().value == "CRT591SIM00001"
    assert ready.firmware_version().value == "CRT-591-M001"
    assert ready.bin_counter().value == 0
    assert ready.dispense(Target.GATE).ok
    sensors = ready.sensor_status().value
    assert sensors is not None and sensors["gate_outer"] and not sensors["ic_rear"]
    with pytest.raises(ValueError):
        ready.set_bin_counter(1000)


def test_wait_taken_times_out_and_cancels(ready: CardDispenser) -> None:
    assert ready.dispense(Target.GATE).ok
    late = ready.wait_taken(0.05, poll_interval=0.01)
    assert late.completion is Completion.TIMEOUT
    assert late.value is not None and late.value.card_position is CardPosition.GATE
    cancel = threading.Event()
    cancel.set()
    assert ready.wait_taken(5.0, cancel=cancel).completion is Completion.CANCELED


def test_doctor_status(dispenser: CardDispenser, emulator: DispenserEmulator) -> None:
    before = dispenser.status()
    assert before.device is DeviceState.ONLINE and before.details["action"] == "needsInitialise"
    assert dispenser.initialise().ok
    assert dispenser.status().details == {"media": "notPresent", "position": "none", "stock": "ok", "bin": "ok"}
    emulator.inject(MechFault.MOTOR_ERROR)
    dispenser.dispense(Target.IC)
    broken = dispenser.status()
    assert broken.device is DeviceState.HARDWARE_ERROR and broken.details["error"] == "motorError"
    assert CardDispenser("/dev/nonexistent-dispenser").status().device is DeviceState.NO_DEVICE


def test_unknown_dialect_and_address() -> None:
    with pytest.raises(ValueError):
        CardDispenser("loop://", dialect="other")
    with pytest.raises(ValueError):
        CardDispenser("loop://", address=16)


def test_swtest_dialect_on_both_sides(pans: list[str]) -> None:
    with DispenserEmulator(pans, dialect="swtest-atm", initialised=True) as emu:
        driver = open_driver(emu.path, dialect="swtest-atm")
        assert driver.dispense(Target.HOLDING).ok
        assert emu.locate(pans[0]) == "holding"
        assert driver.device_status().value.bin_full is False  # type: ignore[union-attr]
        driver.close()


def test_addressed_units_ignore_other_addresses(pans: list[str]) -> None:
    with DispenserEmulator(pans, address=5, initialised=True) as emu:
        driver = open_driver(emu.path, address=5)
        assert driver.device_status().ok
        driver.close()


def test_emulator_refuses_impossible_takes(emulator: DispenserEmulator) -> None:
    with pytest.raises(EmulatorError):
        emulator.take_card()
