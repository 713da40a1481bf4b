"""The write gate: how SIGTERM stops the agent without ever leaving a page half-applied.

Every write of the agent's workers runs inside `gate.section()`. `close()` sets the stop flag and then takes
the gate itself, so it returns only once the write in progress (if any) has committed, and no new one can
start: a page being fetched is abandoned, a page being applied is finished.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class Stopping(Exception):
    """The agent is stopping: the work in hand is abandoned before anything of it is written."""


class Gate:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stop = threading.Event()

    @contextlib.contextmanager
    def section(self) -> Iterator[None]:
        """Hold the gate for one write. Raises Stopping if the agent is stopping.

        Waits in short slices: `close()` keeps the gate shut for good, so a worker waiting here must notice the
        stop and leave (a worker blocked for ever would keep its thread and database connection alive).
        """
        while not self._lock.acquire(timeout=0.1):
            if self.stop.is_set():
                raise Stopping()
        try:
            if self.stop.is_set():
                raise Stopping()
            yield
        finally:
            self._lock.release()

    def close(self, timeout_s: float = 30.0) -> bool:
        """Ask every worker to stop; True once no write is in progress (the gate stays shut)."""
        self.stop.set()
        return self._lock.acquire(timeout=timeout_s)

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on stop; True if stopping."""
        return self.stop.wait(seconds)
