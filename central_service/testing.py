"""The real service on a free loopback port for tests, the demo and benchmarks: uvicorn in a background
thread with its own event loop, stopped on exit. `RunningService` exposes the in-process `Central` (store,
admin) beside the URL, so a test can script the service directly while kiosks talk HTTP to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import uvicorn

from central_service.admin import CentralAdmin
from central_service.app import build_central, create_app
from central_service.serve import uvicorn_options
from central_service.settings import Settings


def sqlite_settings(tmp_path: Path, db_name: str = "central.sqlite", **overrides: object) -> Settings:
    """Settings for an embedded store and keys under `tmp_path`."""
    values: dict[str, object] = {"database": f"sqlite:///{tmp_path / db_name}",
                                 "key_dir": str(tmp_path / "central-keys"), "port": 0, **overrides}
    return Settings(**values)  # type: ignore[arg-type]


class RunningService:
    """The service bound to 127.0.0.1 on a free port (or `settings.port`); `url` says where."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.central = build_central(settings, clock=clock)
        self.store = self.central.store
        self.app = create_app(settings, central=self.central)
        self._socket = socket.create_server((settings.host, settings.port))
        port = self._socket.getsockname()[1]
        scheme = "https" if settings.ssl_certfile else "http"
        self.url = f"{scheme}://{settings.host}:{port}"
        self.admin = CentralAdmin(self.central, self.url)
        config = uvicorn.Config(self.app, **{**uvicorn_options(replace(settings, port=port)), "loop": "asyncio",
                                             "log_level": "warning", "timeout_graceful_shutdown": 2})
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def admin_token(self) -> str:
        return self.central.admin_token

    def start(self) -> RunningService:
        """Serve in a daemon thread; returns once the server accepts connections."""
        self._thread = threading.Thread(target=self._run, name="central-service", daemon=True)
        self._thread.start()
        for _ in range(500):
            if self._server.started or not self._thread.is_alive():
                break
            threading.Event().wait(0.01)
        if not self._server.started:
            raise RuntimeError("the central service did not start")
        return self

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def close(self) -> None:
        """Release long-polls, stop the server and its thread, close the store. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.central.hub.shutdown()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
        self.store.db.dispose()

    def __enter__(self) -> RunningService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def running_service(settings: Settings, *, clock: Callable[[], datetime] | None = None) -> Iterator[RunningService]:
    """Serve `settings` until the block ends; yields the RunningService."""
    service = RunningService(settings, clock=clock).start()
    try:
        yield service
    finally:
        service.close()


@contextlib.contextmanager
def running_central(tmp_path: Path, *, clock: Callable[[], datetime] | None = None, db_name: str = "central.sqlite",
                    database: str | None = None) -> Iterator[tuple[str, CentralAdmin]]:
    """Serve a fresh service (embedded store and keys under `tmp_path`, or `database`); yields (url, admin)."""
    settings = sqlite_settings(tmp_path, db_name)
    if database:
        settings = replace(settings, database=database)
    with running_service(settings, clock=clock) as service:
        yield service.url, service.admin
