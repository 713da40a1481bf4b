"""A receipt printer emulator on a real pty and the driver on the other end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.printer import ReceiptPrinter
from drivers.sim.printer_emulator import PrinterEmulator


@pytest.fixture
def emulator() -> Iterator[PrinterEmulator]:
    with PrinterEmulator() as emu:
        yield emu


@pytest.fixture
def printer(emulator: PrinterEmulator) -> Iterator[ReceiptPrinter]:
    with ReceiptPrinter(emulator.path, timeout=2.0) as driver:
        yield driver
