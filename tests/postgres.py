"""A throwaway PostgreSQL cluster for the test run: `initdb` + `pg_ctl` as the `postgres` user in a temp dir,
listening only on a unix socket there (and a free port number that names the socket), stopped at the end.

Each test gets its own database, cloned from a migrated template (`CREATE DATABASE ... TEMPLATE`), so tests
never see each other's rows and the schema is migrated once per run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")
USER = "kiosk"
TEMPLATE = "central_template"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, text=True,
                          timeout=60)


class PgCluster:
    """One running cluster; `url(name)` is a SQLAlchemy URL over its unix socket."""

    def __init__(self, root: Path) -> None:
        self.root, self.port = root, _free_port()
        self._lock = threading.Lock()
        self._count = 0

    def start(self) -> PgCluster:
        shutil.chown(self.root, "postgres")
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.root / "data"), "-A", "trust", "-U", USER,
                     "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8")
        options = (f"-k {self.root} -p {self.port} -c listen_addresses='' -c fsync=off -c max_connections=300"
                   " -c synchronous_commit=off -c full_page_writes=off")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-o", options, "-l",
                     str(self.root / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@/{database}?host={self.root}&port={self.port}"

    def _admin_sql(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.root), port=self.port, user=USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(statement)

    def make_template(self) -> None:
        """A database migrated to head that every test database is cloned from."""
        from sqlalchemy import create_engine

        from central_service.migrations import upgrade

        self._admin_sql(f"CREATE DATABASE {TEMPLATE}")
        engine = create_engine(self.url(TEMPLATE))
        upgrade(engine)
        engine.dispose()

    def new_database(self) -> str:
        """A fresh migrated database; returns its URL."""
        with self._lock:
            self._count += 1
            name = f"t{os.getpid()}_{self._count}"
        self._admin_sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)


def available() -> str | None:
    """Why a cluster cannot run here (None if it can)."""
    if not (PG_BIN / "initdb").exists():
        return "PostgreSQL 15 is not installed (./dev setup installs it)"
    if os.geteuid() != 0:
        return "starting a throwaway cluster needs root (runuser -u postgres)"
    return None


@contextlib.contextmanager
def cluster() -> Iterator[PgCluster]:
    root = Path(tempfile.mkdtemp(prefix="central-pg-"))
    running = PgCluster(root).start()
    try:
        running.make_template()
        yield running
    finally:
        running.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """The run's PostgreSQL cluster (started on first use, stopped at the end); skips if none can run."""
    reason = available()
    if reason:
        pytest.skip(reason)
    with cluster() as running:
        yield running


STORES = ["sqlite", "postgres"]


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh store for this test: an embedded SQLite file, or a new database of the run's PG cluster."""
    if store_kind == "sqlite":
        return f"sqlite:///{tmp_path / 'central.sqlite'}"
    return request.getfixturevalue("pg_cluster").new_database()
