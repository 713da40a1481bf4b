"""Helpers for tests that drive a rehearsal kiosk beside the staff pages: bounded waits and the customer's moves."""

from __future__ import annotations

import time
from collections.abc import Callable

from drivers.status import MediaState
from kiosk_app.demo.environment import Rehearsal
from kiosk_app.flow.screens import Screen


def until(predicate: Callable[[], object], timeout: float = 15.0) -> float:
    """Poll until true; returns the seconds it took (a safety net, not a timing assumption)."""
    started = time.monotonic()
    while not predicate():
        assert time.monotonic() - started < timeout, "condition not reached in time"
        time.sleep(0.01)
    return time.monotonic() - started


def send(r: Rehearsal, event) -> Screen:  # type: ignore[no-untyped-def]
    r.runtime.host.post(event)
    assert r.runtime.host.wait_idle(15)
    return r.runtime.session.screen


def at_review(r: Rehearsal) -> None:
    """Scan the appointment and put the right ID card on the reader."""
    r.sims.scanner.show(r.customer.token)
    until(lambda: r.runtime.session.screen.step_id == "await_id_card")
    r.sims.idcard.place_card(r.customer.card())
    until(lambda: r.runtime.session.screen.step_id == "review")


def wrong_card(r: Rehearsal) -> None:
    """Someone else's ID card on the reader and off again."""
    shown = len(r.screens.screens)
    r.sims.idcard.place_card(r.customer.card(matching=False))
    until(lambda: len(r.screens.screens) > shown and r.runtime.host.wait_idle(1))
    r.sims.idcard.remove_card()
    until(lambda: r.devices.idcard.media is not MediaState.PRESENT)
