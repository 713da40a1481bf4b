"""The emulator as hardware that outlives its drivers: state files, its own process, the control channel."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import serial
from dispenser_helpers import make_pans, open_driver

from drivers.dispenser import InitMode, Target
from drivers.dispenser import protocol as p
from drivers.sim.dispenser_control import ControlError, EmulatorProcess
from drivers.sim.dispenser_emulator import DispenserEmulator, LinkFault, fault_named
from drivers.sim.dispenser_mech import MechFault, mask_pan


def test_state_survives_a_restart_but_power_on_needs_initialise(tmp_path: Path) -> None:
    state = tmp_path / "dispenser.json"
    pans = make_pans(4)
    with DispenserEmulator(pans, state_file=state, initialised=True) as emu:
        driver = open_driver(emu.path)
        assert driver.dispense(Target.IC).ok
        assert driver.move(Target.GATE).ok
        emu.take_card()
        assert driver.dispense(Target.IC).ok
        driver.close()
        before = emu.snapshot()
    assert json.loads(state.read_text())["stack"] == pans[2:]
    with DispenserEmulator(["ignored"], state_file=state) as emu:
        after = emu.snapshot()
        assert {k: after[k] for k in ("stack", "ic", "taken", "bin", "counters")} == {
            k: before[k] for k in ("stack", "ic", "taken", "bin", "counters")}
        assert not after["initialised"]
        driver = open_driver(emu.path)
        assert driver.device_status().error_code == "notInitialised"
        assert driver.initialise(InitMode.CAPTURE).ok
        assert emu.locate(pans[1]) == "bin"
        driver.close()


def test_a_dead_host_leaves_its_command_executed_and_the_next_host_is_not_confused() -> None:
    """A host killed after writing a command: the device still runs it; the next host drains stale bytes."""
    pans = make_pans(3)
    with DispenserEmulator(pans, initialised=True) as emu:
        raw = serial.serial_for_url(emu.path)
        raw.write(p.encode_command(p.Command(p.CM.MOVE, 0x31)))
        raw.close()
        driver = open_driver(emu.path)
        assert driver.device_status().ok
        assert emu.stats["commands"] >= 2 and emu.locate(pans[0]) == "ic"
        assert driver.device_status().value.card_position.name == "IC"  # type: ignore[union-attr]
        driver.close()


def test_power_cycle(emulator: DispenserEmulator, pans: list[str]) -> None:
    driver = open_driver(emulator.path)
    assert driver.initialise().ok and driver.dispense(Target.IC).ok
    emulator.power_cycle()
    assert driver.move(Target.GATE).error_code == "notInitialised"
    assert emulator.locate(pans[0]) == "ic"
    driver.close()


def test_fault_names() -> None:
    assert fault_named("jam") is MechFault.JAM
    assert fault_named("lost_ack") is LinkFault.LOST_ACK
    with pytest.raises(ValueError):
        fault_named("gremlins")


def test_pan_mask() -> None:
    assert mask_pan("6217000000000000001") == "621700*********0001"
    assert mask_pan("1234") == "****"


def test_emulator_in_its_own_process(tmp_path: Path) -> None:
    state = str(tmp_path / "dispenser.json")
    link_file = str(tmp_path / "pty")
    events = tmp_path / "events"
    pans = make_pans(3)
    env = {"DISPENSER_TEST_EVENTS": str(events),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    with EmulatorProcess(state, pans=pans, pty_link_file=link_file, env=env,
                         extra_args=["--hooks", "dispenser_helpers:record_ic_events"]) as proc:
        assert Path(link_file).read_text().strip() == proc.path
        driver = open_driver(proc.path)
        assert driver.initialise().ok
        assert driver.dispense(Target.IC).ok and driver.move(Target.GATE).ok
        assert proc.control.take_card() == pans[0]
        with pytest.raises(ControlError):
            proc.control.take_card()
        proc.control.inject("lost_ack")
        assert driver.device_status().ok
        assert proc.control.stats()["dropped"] == 1
        assert proc.control.locate(pans[0]) == "taken"
        driver.close()
        with pytest.raises(ControlError):
            proc.control.call("close")  # only the listed operations are reachable
    assert events.read_text().splitlines() == [f"at {pans[0]}", f"left {pans[0]}"]
    assert proc.process.returncode == 0
    with EmulatorProcess(state) as again:  # the hardware comes back as it was
        snap = again.control.snapshot()
        assert snap["taken"] == [pans[0]] and snap["stack"] == pans[1:] and not snap["initialised"]
