"""Long-poll wake-ups: a per-branch asyncio event that a commit sets, from any thread or worker process.

Why asyncio events: a parked long-poll is a coroutine awaiting its branch's event, so it holds no thread;
thousands of kiosks cost memory, not workers. Within one process a commit calls `changed()` (thread-safe:
it hops onto the event loop). Across worker processes on PostgreSQL, each commit also sends
`NOTIFY central_changes, '<branch>'` (transactional: delivered only when the commit is), and every worker
LISTENs and wakes its own waiters (`listen_postgres`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Iterable

log = logging.getLogger(__name__)
CHANNEL = "central_changes"


class ChangeHub:
    """Per-branch generations and the events that long-polls wait on; bound to one event loop."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._generation: defaultdict[str, int] = defaultdict(int)
        self._events: dict[str, asyncio.Event] = {}
        self.closing = False
        self.parked = 0  # long-polls waiting right now (stats; a hung-up kiosk's leaves at once)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.closing = False

    def generation(self, branch_id: str) -> int:
        """The branch's change count as of now (read it before the database read a wait depends on)."""
        return self._generation[branch_id]

    def changed(self, branch_ids: Iterable[str]) -> None:
        """Wake the long-polls of these branches; callable from any thread."""
        loop, ids = self._loop, list(branch_ids)
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake(ids)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._wake, ids)

    def _wake(self, branch_ids: list[str]) -> None:
        for branch_id in branch_ids:
            self._generation[branch_id] += 1
            event = self._events.pop(branch_id, None)
            if event is not None:
                event.set()

    async def wait(self, branch_id: str, generation: int, timeout: float) -> None:
        """Return after a change of the branch since `generation`, after `timeout` s, or at shutdown."""
        if self.closing or self._generation[branch_id] != generation or timeout <= 0:
            return
        event = self._events.get(branch_id)
        if event is None:
            event = self._events[branch_id] = asyncio.Event()
        self.parked += 1
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)
        finally:
            self.parked -= 1

    def shutdown(self) -> None:
        """Release every long-poll; later waits return at once."""
        self.closing = True
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._wake, list(self._events))


async def listen_postgres(conninfo: str, hub: ChangeHub, ready: asyncio.Event) -> None:
    """LISTEN for other workers' commits and wake this worker's long-polls; reconnects after a lost link."""
    import psycopg

    while not hub.closing:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                ready.set()
                async for notice in conn.notifies():
                    hub.changed([notice.payload])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a lost link: every waiter re-reads after its timeout anyway
            log.warning("central: LISTEN link lost (%s); reconnecting", type(exc).__name__)
            hub.changed(list(hub._events))
            await asyncio.sleep(0.5)
