"""Serving the reference service with waitress: in the foreground (`kiosk central-sim serve`) or in a
background thread on a free port (tests, demo, benchmarks).

Why waitress: a production WSGI server in pure Python; its worker threads carry the long-polls, so the pool
is sized for several waiting kiosks at once.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import waitress

from central_sim.admin import CentralAdmin
from central_sim.app import Central, create_app, load_signing_keys
from central_sim.store import Store

log = logging.getLogger(__name__)


class CentralServer:
    """The reference service bound to host:port (port 0: a free one); `url` says where."""

    def __init__(
        self,
        db_path: str | Path,
        *,
        key_dir: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        admin_token: str | None = None,
        threads: int = 16,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = Store(db_path, clock=clock)
        self.central = Central(self.store, load_signing_keys(key_dir), admin_token or secrets.token_urlsafe(24))
        self.app = create_app(self.central)
        self._server = waitress.create_server(
            self.app, host=host, port=port, threads=threads, ident="central-sim", channel_timeout=60,
            connection_limit=200, asyncore_use_poll=True, clear_untrusted_proxy_headers=True,
        )
        self.url = f"http://{host}:{self._server.effective_port}"  # type: ignore[union-attr]
        self.admin = CentralAdmin(self.central, self.url)
        self._thread: threading.Thread | None = None

    @property
    def admin_token(self) -> str:
        return self.central.admin_token

    def start(self) -> CentralServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self._server.run, name="central-sim", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.run()
        finally:
            self.close()

    def close(self) -> None:
        """Stop accepting, release long-polls, close every connection, stop the workers, close the store."""
        self.store.shutdown()
        server = self._server
        socket_map = server._map  # type: ignore[union-attr]

        def close_all() -> None:
            for dispatcher in list(socket_map.values()):
                dispatcher.close()

        if self._thread is not None and self._thread.is_alive():
            server.trigger.pull_trigger(close_all)  # type: ignore[union-attr]
            self._thread.join(timeout=10)
        else:
            close_all()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)  # type: ignore[union-attr]
        self.store.close()

    def __enter__(self) -> CentralServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
