"""Helpers for tests and benchmarks: a reference service on a free loopback port, stopped on exit."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from central_sim.admin import CentralAdmin
from central_sim.server import CentralServer


@contextlib.contextmanager
def running_central(
    tmp_path: Path, *, clock: Callable[[], datetime] | None = None, threads: int = 16, db_name: str = "central.sqlite"
) -> Iterator[tuple[str, CentralAdmin]]:
    """Serve a fresh reference service (its DB and keys under `tmp_path`); yields (base_url, admin)."""
    server = CentralServer(tmp_path / db_name, key_dir=tmp_path / "central-keys", clock=clock, threads=threads)
    server.start()
    try:
        yield server.url, server.admin
    finally:
        server.close()


@contextlib.contextmanager
def running_server(tmp_path: Path, **kwargs: object) -> Iterator[CentralServer]:
    """Like running_central, but yields the CentralServer itself (admin token, store, app)."""
    server = CentralServer(tmp_path / "central.sqlite", key_dir=tmp_path / "central-keys", **kwargs)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.close()
