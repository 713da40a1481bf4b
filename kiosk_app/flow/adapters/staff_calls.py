"""Waiting for the lobby floor's answer to a staff call: a long-poll loop on its own thread.

Started when the session shows `staff_needed`; it posts `StaffAnswered` when the floor acknowledges the call or
a manager says "on my way", so the waiting customer reads that help is coming. It stops when the session moves
on (the manager logged in, cancel) or once "on my way" arrived.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from kiosk_app.flow.events import Event, StaffAnswered
from kiosk_app.flow.ports import PortError
from kiosk_app.flow.screens import Screen

log = logging.getLogger(__name__)
LONG_POLL_S = 20
ANSWERS = ("acknowledged", "on_way")


class StaffCallSource(Protocol):
    def staff_call_answer(self, session_id: str, seen: str, wait_s: float) -> tuple[str, str | None] | None: ...


class StaffCallWatcher:
    """A screen listener: on `staff_needed`, long-poll the kiosk's staff calls until the floor answers."""

    def __init__(self, source: StaffCallSource, post: Callable[[Event], None],
                 current_session: Callable[[], str | None], *, long_poll_s: int = LONG_POLL_S) -> None:
        self.source, self.post, self.current_session = source, post, current_session
        self.long_poll_s = long_poll_s
        self._step: str | None = None
        self._watching: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __call__(self, screen: Screen) -> None:
        self._step = screen.step_id
        session_id = self.current_session()
        if screen.step_id != "staff_needed" or screen.data.get("help") == "on_way" or session_id is None:
            return
        with self._lock:
            if session_id in self._watching:
                return
            self._watching.add(session_id)
        seen = screen.data.get("help") or "open"
        threading.Thread(target=self._watch, args=(session_id, seen), name="staff-call-watch", daemon=True).start()

    def _waiting(self, session_id: str) -> bool:
        return not self._stop.is_set() and self.current_session() == session_id and self._step == "staff_needed"

    def _watch(self, session_id: str, seen: str) -> None:
        try:
            while self._waiting(session_id):
                try:
                    answer = self.source.staff_call_answer(session_id, seen, self.long_poll_s)
                except PortError as exc:
                    log.warning("staff call: %s", exc.key)
                    if self._stop.wait(2.0):
                        return
                    continue
                if answer is None or answer[0] == seen or answer[0] not in ANSWERS or not self._waiting(session_id):
                    continue
                seen = answer[0]
                self.post(StaffAnswered(seen, answer[1]))
                if seen == "on_way":
                    return
        finally:
            with self._lock:
                self._watching.discard(session_id)

    def stop(self) -> None:
        self._stop.set()
