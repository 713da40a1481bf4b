"""What the kiosk app tells the sync agent for its heartbeat: each device's state, the mode, card counts.

Published when the kiosk starts and whenever it is back at idle, on the session's own thread, so the status
commands never interleave with a customer's device commands. `kiosk sync` (another process) sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from kiosk_app.flow.screens import Screen
from sync_agent.heartbeat import DeviceReport, KioskReport, publish_report
from sync_agent.localdb import LocalDb

log = logging.getLogger(__name__)
AT_REST = frozenset({"idle", "closed"})


def kiosk_report(checks: Sequence[Any], *, closed: bool, storage: dict[str, int]) -> KioskReport:
    devices = tuple(DeviceReport(c.name, c.state, " ".join(f"{k}={v}" for k, v in c.details.items())[:200])
                    for c in checks)
    return KioskReport(devices, "closed" if closed else "in_service", storage.get("stack"), storage.get("bin"))


class ReportPublisher:
    """A screen listener: at rest, publish a fresh report (a failing check is reported, never raised)."""

    def __init__(self, db: LocalDb, checks: Callable[[], Sequence[Any]], closed: Callable[[], bool],
                 storage: Callable[[], dict[str, int]]) -> None:
        self.db, self.checks, self.closed, self.storage = db, checks, closed, storage

    def publish(self) -> None:
        try:
            publish_report(self.db, kiosk_report(self.checks(), closed=self.closed(), storage=self.storage()))
        except Exception:  # health reporting must never take the kiosk down
            log.exception("could not publish the kiosk report")

    def __call__(self, screen: Screen) -> None:
        if screen.step_id in AT_REST:
            self.publish()
