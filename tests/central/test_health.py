"""/healthz (the process answers; names its worker) and /readyz (the store answers), on both stores, without
credentials; readiness goes to 503 when the PostgreSQL database is gone while the process stays healthy."""

from __future__ import annotations

import os

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from tests.central.conftest import Sim


def test_health_and_readiness_need_no_credentials(sim: Sim) -> None:
    health = requests.get(sim.url + "/healthz", timeout=5)
    assert health.status_code == 200 and health.json() == {"status": "ok", "worker": os.getpid()}
    ready = requests.get(sim.url + "/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_readiness_fails_when_the_database_is_gone(sim: Sim, store_kind: str) -> None:
    if store_kind != "postgres":
        pytest.skip("an embedded SQLite file cannot be taken away from under an open connection")
    url = make_url(sim.server.settings.database)
    host, port = url.query["host"], int(url.query["port"])
    sim.server.store.db.dispose()
    with psycopg.connect(host=host, port=port, user=url.username, dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {url.database} WITH (FORCE)")
    ready = requests.get(sim.url + "/readyz", timeout=15)
    assert ready.status_code == 503 and ready.json()["type"].endswith("/not-ready")
    assert requests.get(sim.url + "/healthz", timeout=5).status_code == 200
