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
from waitress import wasyncore

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
        self._stopping = threading.Event()
        self._close_lock = threading.Lock()
        self._closed = False

    @property
    def admin_token(self) -> str:
        return self.central.admin_token

    def start(self) -> CentralServer:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self._serve, name="central-sim", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        """The event loop in short rounds, so close() can stop it without touching the loop's own sockets.

        Why not pull the trigger with a close-all thunk: the loop may run the thunk (closing the trigger pipe)
        before our write to that pipe happens, and a write to a closed, maybe reused, descriptor is a bug.
        """
        socket_map = self._server._map  # type: ignore[union-attr]
        while not self._stopping.is_set() and socket_map:
            wasyncore.loop(timeout=0.1, map=socket_map, use_poll=True, count=1)

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._serve()
        finally:
            self.close()

    def close(self) -> None:
        """Release long-polls, stop the loop, stop the workers, then close every socket and the store.

        Idempotent. Sockets are closed only once the loop and the workers have stopped, so nothing can
        use a descriptor after it is closed.
        """
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self.store.shutdown()
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        server = self._server
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)  # type: ignore[union-attr]
        for dispatcher in list(server._map.values()):  # type: ignore[union-attr]
            dispatcher.close()
        self.store.close()

    def __enter__(self) -> CentralServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
