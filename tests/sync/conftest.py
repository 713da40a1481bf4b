"""Fixtures for the sync agent: a real reference service on loopback and a kiosk of branch BR001."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from synchelp import BRANCH, Kiosk, make_client

from central_service.admin import CentralAdmin
from central_service.testing import running_central
from sync_agent.central import CentralRemote
from sync_agent.localdb import open_db


@pytest.fixture
def central(tmp_path: Path) -> Iterator[tuple[str, CentralAdmin]]:
    (tmp_path / "central").mkdir()
    with running_central(tmp_path / "central") as served:
        yield served


@pytest.fixture
def kiosk(central: tuple[str, CentralAdmin], tmp_path: Path) -> Iterator[Kiosk]:
    url, admin = central
    _, token = admin.add_kiosk(BRANCH)
    path = tmp_path / "kiosk" / "kiosk.sqlite"
    with make_client(url, token) as client, open_db(path) as db:
        yield Kiosk(url, token, admin, db, CentralRemote(client), path)
