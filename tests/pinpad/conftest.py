"""A PIN pad emulator on a real pty and a driver talking to it; the test plays the bank's host (HSM)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.pinpad import Algorithm, PinPad, WorkingKey, key_check_value
from drivers.pinpad.pinblock import ecb_encrypt
from drivers.sim.pinpad_emulator import PinPadEmulator

TDES_MASTER = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
SM4_MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
TDES_WORKING = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")
SM4_WORKING = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
MASTERS = {1: (Algorithm.TDES, TDES_MASTER), 2: (Algorithm.SM4, SM4_MASTER)}
PAN = "6222021234567890123"


def wrapped(algorithm: Algorithm, master: bytes, working: bytes, slot: int, master_slot: int) -> WorkingKey:
    """What the host sends: the working key under the master key, with the working key's KCV."""
    return WorkingKey(master_slot, slot, algorithm, ecb_encrypt(algorithm, master, working),
                      key_check_value(algorithm, working))


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
