"""A PIN pad emulator on a real pty and a driver talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pinpad_support import MASTERS, SM4_MASTER, SM4_WORKING, TDES_MASTER, TDES_WORKING, wrapped

from drivers.pinpad import Algorithm, PinPad, WorkingKey
from drivers.sim.pinpad_emulator import PinPadEmulator


@pytest.fixture
def emulator() -> Iterator[PinPadEmulator]:
    with PinPadEmulator(MASTERS) as emu:
        yield emu


@pytest.fixture
def pad(emulator: PinPadEmulator) -> Iterator[PinPad]:
    with PinPad(emulator.path, command_timeout=5.0) as driver:
        yield driver


@pytest.fixture
def tdes_key() -> WorkingKey:
    return wrapped(Algorithm.TDES, TDES_MASTER, TDES_WORKING, slot=10, master_slot=1)


@pytest.fixture
def sm4_key() -> WorkingKey:
    return wrapped(Algorithm.SM4, SM4_MASTER, SM4_WORKING, slot=20, master_slot=2)
