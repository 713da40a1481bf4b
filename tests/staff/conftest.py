"""Fixtures for the staff directory, audit log, floor and counter: a migrated store on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from central_service.db import Database
from central_service.migrations import upgrade
from central_service.staff.directory import StaffDirectory
from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Database]:  # noqa: F811
    """A migrated store (the test runs once per store kind)."""
    database = Database(database_url)
    upgrade(database.engine)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def directory(db: Database) -> StaffDirectory:
    return StaffDirectory(db)
