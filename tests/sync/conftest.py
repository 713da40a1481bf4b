"""Fixtures for the sync agent: the real central service on loopback, over each store (SQLite file and a
database of the run's throwaway PostgreSQL cluster), and a kiosk of branch BR001."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from synchelp import BRANCH, Kiosk, make_client

from central_service.admin import CentralAdmin
from central_service.testing import running_central
from sync_agent.central import CentralRemote
from sync_agent.localdb import open_db
from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)


@pytest.fixture
def central(tmp_path: Path, database_url: str) -> Iterator[tuple[str, CentralAdmin]]:  # noqa: F811
    (tmp_path / "central").mkdir()
    with running_central(tmp_path / "central", database=database_url) as served:
        yield served


@pytest.fixture
def kiosk(central: tuple[str, CentralAdmin], tmp_path: Path) -> Iterator[Kiosk]:
    url, admin = central
    _, token = admin.add_kiosk(BRANCH)
    path = tmp_path / "kiosk" / "kiosk.sqlite"
    with make_client(url, token) as client, open_db(path) as db:
        yield Kiosk(url, token, admin, db, CentralRemote(client), path)
