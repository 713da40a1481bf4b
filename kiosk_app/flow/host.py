"""Runs a Session on one worker thread, so a UI never waits for a device or the central service.

Events (touches, device reports, clock ticks) are queued and handled strictly in order; every screen the
session produces, intermediate ones included, is passed to `on_screen` (the UI hops to its main thread).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from kiosk_app.flow.events import Event
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.session import Session

log = logging.getLogger(__name__)
_STOP = object()


class SessionHost:
    def __init__(self, session: Session, on_screen: Callable[[Screen], None]) -> None:
        self.session = session
        self._listeners = [on_screen]
        session.on_screen = self._publish
        self._events: queue.Queue[object] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="session-host", daemon=True)
        self._thread.start()

    def post(self, event: Event) -> None:
        """Queue an event; returns at once."""
        self._idle.clear()
        self._events.put(event)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once every queued event has been handled (for the scripted runner and tests)."""
        return self._idle.wait(timeout)

    def add_listener(self, on_screen: Callable[[Screen], None]) -> None:
        """Another consumer of screens (a window opened on a running rehearsal, a lobby display)."""
        self._listeners.append(on_screen)

    def _publish(self, screen: Screen) -> None:
        for listener in list(self._listeners):
            try:
                listener(screen)
            except Exception:  # a broken renderer must not kill the session
                log.exception("screen callback failed for %s", screen.step_id)

    def _run(self) -> None:
        while True:
            event = self._events.get()
            if event is _STOP:
                return
            try:
                self.session.handle(event)  # type: ignore[arg-type]
            except Exception:
                log.exception("session failed on %s; leaving safely", type(event).__name__)
                self.session.safe_exit("device_error")
            if self._events.empty():
                self._idle.set()

    def close(self, timeout: float = 5.0) -> None:
        self._events.put(_STOP)
        self._thread.join(timeout)
