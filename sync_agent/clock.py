"""Kiosk time corrected to the central service's clock.

A kiosk whose clock is minutes off would accept expired QR tokens or purge personal data early; every time
the agent hears from the server it records the offset (server time minus the local time at the middle of the
exchange), and token expiry and retention read `corrected_now()` instead of the raw wall clock.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sync_agent import state
from sync_agent.localdb import LocalDb

WINDOW = 5


class ServerClock:
    """The offset to server time, smoothed over the last few observations (server clocks tick in seconds)."""

    def __init__(self, wall: Callable[[], float] = time.time, offset_s: float | None = None) -> None:
        self._wall = wall
        self._samples: deque[float] = deque(maxlen=WINDOW)
        if offset_s is not None:
            self._samples.append(offset_s)

    @property
    def offset_s(self) -> float | None:
        """Seconds to add to the local clock to get server time; None until the server was heard."""
        return statistics.median(self._samples) if self._samples else None

    def observe(self, server_time: datetime, sent_at: float, received_at: float) -> float:
        """Record one exchange: `sent_at`/`received_at` are local wall times around the request."""
        if server_time.tzinfo is None:
            server_time = server_time.replace(tzinfo=UTC)
        midpoint = (sent_at + received_at) / 2
        self._samples.append(server_time.timestamp() - midpoint)
        return self.offset_s or 0.0

    def now(self) -> datetime:
        """Server-corrected UTC now (the raw clock when the server has not been heard yet)."""
        return datetime.fromtimestamp(self._wall() + (self.offset_s or 0.0), UTC)

    def save(self, db: LocalDb) -> None:
        """Persist the offset so the kiosk app and a restarted agent use it."""
        if self.offset_s is not None:
            state.put(db, state.CLOCK_OFFSET, round(self.offset_s, 3))

    @classmethod
    def load(cls, db: LocalDb, wall: Callable[[], float] = time.time) -> ServerClock:
        return cls(wall, state.get(db, state.CLOCK_OFFSET))


def corrected_now(db: LocalDb, wall: Callable[[], float] = time.time) -> datetime:
    """What the kiosk app calls for token expiry: UTC now on the server's clock, as last measured."""
    offset = state.get(db, state.CLOCK_OFFSET) or 0.0
    return datetime.fromtimestamp(wall(), UTC) + timedelta(seconds=offset)
