"""Fixtures: an emulated reader on a real pty and a driver opened on it, both closed after each test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from drivers.idcard import IdCardReader
from drivers.sim.idcard_emulator import IdCardEmulator


@pytest.fixture
def emulator() -> Iterator[IdCardEmulator]:
    with IdCardEmulator() as emu:
        yield emu


@pytest.fixture
def reader(emulator: IdCardEmulator) -> Iterator[IdCardReader]:
    with IdCardReader(emulator.path, command_timeout=0.3, read_timeout=0.5, poll_interval=0.005) as rdr:
        yield rdr


@pytest.fixture
def linked_emulator() -> Iterator[IdCardEmulator]:
    """An emulator behind a stable symlink, for unplug/replug of the port file."""
    with tempfile.TemporaryDirectory(prefix="idcard-") as tmp, IdCardEmulator(
        link_path=os.path.join(tmp, "ttyIDCARD")
    ) as emu:
        yield emu
