"""Fixtures for the dispenser: an emulator on a real pty and a driver talking to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.dispenser import CardDispenser
from drivers.sim.dispenser_emulator import DispenserEmulator


def make_pans(n: int, prefix: str = "621700") -> list[str]:
    """Distinct 19-digit test PANs."""
    return [f"{prefix}{i:013d}" for i in range(1, n + 1)]


@pytest.fixture
def pans() -> list[str]:
    return make_pans(10)


@pytest.fixture
def emulator(pans: list[str]) -> Iterator[DispenserEmulator]:
    with DispenserEmulator(pans, bin_capacity=3, low_threshold=3) as emu:
        yield emu


def open_driver(path: str, **kwargs: object) -> CardDispenser:
    """A driver with a patient reply-start wait, so a loaded CI machine causes no spurious resends."""
    options: dict[str, object] = {"reply_start_timeout": 0.2, "command_timeout": 5.0, "move_timeout": 5.0}
    options.update(kwargs)
    return CardDispenser(path, **options).open()  # type: ignore[arg-type]


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
