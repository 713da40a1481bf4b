"""Waiting for the walk-in form from the customer's phone: a long-poll loop on its own thread.

Started when the session shows the walk-in QR; it posts `FormSubmitted` when the bank has the form, and
stops when the session has moved on (cancel, timeout) — the session's own deadline still governs the wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk_app.flow.events import Event, FormSubmitted
from kiosk_app.flow.ports import CentralPort, PortError
from kiosk_app.flow.screens import Screen

log = logging.getLogger(__name__)
LONG_POLL_S = 20


class WalkInWatcher:
    """A screen listener: on `walk_in_form`, long-poll the form session until it is submitted or abandoned."""

    def __init__(self, central: CentralPort, post: Callable[[Event], None], current_form: Callable[[], str | None],
                 *, long_poll_s: int = LONG_POLL_S) -> None:
        self.central, self.post, self.current_form = central, post, current_form
        self.long_poll_s = long_poll_s
        self._watching: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def __call__(self, screen: Screen) -> None:
        form_id = self.current_form()
        if screen.step_id != "walk_in_form" or form_id is None:
            return
        with self._lock:
            if form_id in self._watching:
                return
            self._watching.add(form_id)
        threading.Thread(target=self._watch, args=(form_id,), name="walk-in-watch", daemon=True).start()

    def _watch(self, form_id: str) -> None:
        try:
            while not self._stop.is_set() and self.current_form() == form_id:
                try:
                    appointment = self.central.walk_in_submission(form_id, self.long_poll_s)
                except PortError as exc:
                    log.warning("walk-in form %s: %s", form_id[:8], exc.key)
                    if exc.key == "form_timeout" or self._stop.wait(2.0):
                        return
                    continue
                if appointment is not None:
                    self.post(FormSubmitted(appointment))
                    return
        finally:
            with self._lock:
                self._watching.discard(form_id)

    def stop(self) -> None:
        self._stop.set()
