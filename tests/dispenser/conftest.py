"""Fixtures for the dispenser: an emulator on a real pty and a driver talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dispenser_helpers import make_pans, open_driver

from drivers.dispenser import CardDispenser
from drivers.sim.dispenser_emulator import DispenserEmulator


@pytest.fixture
def pans() -> list[str]:
    return make_pans(10)


@pytest.fixture
def emulator(pans: list[str]) -> Iterator[DispenserEmulator]:
    with DispenserEmulator(pans, bin_capacity=3, low_threshold=3) as emu:
        yield emu


@pytest.fixture
def dispenser(emulator: DispenserEmulator) -> Iterator[CardDispenser]:
    driver = open_driver(emulator.path)
    yield driver
    driver.close()


@pytest.fixture
def ready(dispenser: CardDispenser) -> CardDispenser:
    """A driver whose device has been initialised."""
    assert dispenser.initialise().ok
    return dispenser
