"""Fixtures for issuance tests: a migrated kiosk database with a recorded session, and a bind ledger file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bind_ledger import SqliteBindLedger
from issuance_helpers import Devices, open_devices

from drivers.sim.issuance_rig import IssuanceRig, make_pans
from sync_agent.localdb import LocalDb, open_db


@pytest.fixture
def db(tmp_path: Path) -> Iterator[LocalDb]:
    database = open_db(tmp_path / "kiosk.db")
    yield database
    database.close()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteBindLedger]:
    with SqliteBindLedger(tmp_path / "bank-ledger.db") as led:
        yield led


@pytest.fixture
def rig_factory() -> Iterator:
    """Build an emulated dispenser + IC station on a vpcd slot; everything is closed after the test."""
    rigs: list[IssuanceRig] = []

    def make(count: int = 5, **kwargs: object) -> IssuanceRig:
        rig = IssuanceRig(make_pans(count), **kwargs)  # type: ignore[arg-type]
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()


@pytest.fixture
def devices_for() -> Iterator:
    """Open the kiosk-side drivers for a rig; closed after the test."""
    opened: list[Devices] = []

    def make(rig: IssuanceRig) -> Devices:
        devices = open_devices(rig.path, rig.reader)
        opened.append(devices)
        return devices

    yield make
    for devices in opened:
        devices.close()
