"""Fixtures for issuance tests: a migrated kiosk database with a recorded session, and a bind ledger file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk_app.flow.issuance import SqliteBindLedger
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
