"""Read ahead: run an iterator in a background thread, a few items ahead of its consumer.

Why: the streamed snapshot alternates waiting for the network, checking a block (CPU) and applying it to
SQLite (which releases the GIL while it writes). Reading and checking the next block while the current one
is applied overlaps the three; the bounded queue keeps at most `depth` blocks in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_END = object()


class Prefetched(Generic[T]):
    """Iterate `source` in a daemon thread; iterate this object for its items, in order, with its exceptions.

    `close()` stops the reader after the item it is producing (close the source's connection to cut a read
    short).
    """

    def __init__(self, source: Iterator[T], depth: int = 2, name: str = "prefetch") -> None:
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source,), name=name, daemon=True)
        self._thread.start()

    def _run(self, source: Iterator[T]) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)
            return
        self._put(_END)

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]

    def close(self, timeout: float = 5.0) -> None:
        """Stop reading ahead and wait (up to `timeout`) for the reader thread to leave."""
        self._stop.set()
        self._thread.join(timeout)
