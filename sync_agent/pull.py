"""Pull: follow the branch's change feed from the stored cursor, and rebuild from the snapshot when needed.

One `step()` fetches and applies one page. While behind, pages are fetched back to back; once caught up the
request long-polls, so a new appointment arrives within a round trip of its creation. Page size adapts so
that one page's transaction stays within `tx_budget_s`: the kiosk app writing to the same file never waits
long. After the last page the branch's count is compared with the server's every time and its digest at
least every `digest_every_s` (a digest reads every row: with 100k rows, doing it per page would slow
propagation); a mismatch that survives a fresh look at the feed means divergence, repaired by a full resync of
this branch only, which also answers "cursor too old". A new kiosk starts the same way. The resync reads the
streamed snapshot (one answer, applied one verified block per transaction) and is resumable: its progress
(the block's resume token) commits with each block, so a killed resync resumes after the last block applied.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from sync_agent import apply, state
from sync_agent.clock import ServerClock
from sync_agent.gate import Gate
from sync_agent.localdb import LocalDb
from sync_agent.remote import CursorTooOld, FeedPage, PageDamaged, RemoteError, SnapshotChunk, SnapshotReader

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
MAX_WAIT_S = 30  # the contract's longest long-poll
MIN_LIMIT = 20


class FeedSource(Protocol):
    def changes(self, branch_id: str, cursor: str | None, *, limit: int, wait: int) -> FeedPage: ...

    def snapshot_stream(self, branch_id: str, resume_token: str | None, *, block: int) -> SnapshotReader: ...


@dataclass(frozen=True)
class PullStep:
    """What one step did: `kind` is page, idle, snapshot, resync_started or resync_done."""

    kind: str
    rows: int = 0
    caught_up: bool = False


class Puller:
    def __init__(
        self, db: LocalDb, source: FeedSource, branch_id: str, *, page_size: int = 500, long_poll_s: int = 25,
        tx_budget_s: float = 0.04, clock: ServerClock | None = None, gate: Gate | None = None,
        digest_every_s: float = 30.0, snapshot_block: int = 1000,
    ) -> None:
        self.db, self.source, self.branch_id = db, source, branch_id
        self.max_limit = max(MIN_LIMIT, min(page_size, MAX_LIMIT))
        self.limit = self.max_limit
        self.long_poll_s, self.tx_budget_s = min(long_poll_s, MAX_WAIT_S), tx_budget_s
        self.clock = clock or ServerClock()
        self.gate = gate or Gate()
        self.caught_up = False
        self.digest_every_s = digest_every_s
        self.snapshot_block = snapshot_block  # rows per snapshot transaction (~10-20 ms of executemany at 1000)
        self._digest_due = 0.0
        self._suspect_cursor: str | None = None
        self.applied_rows = 0  # rows written and seconds spent inside apply transactions (benchmarks)
        self.apply_seconds = 0.0
        self._snapshot: SnapshotReader | None = None
        self._chunks: Iterator[SnapshotChunk] | None = None
        self._key_checked = False

    def step(self) -> PullStep:
        """Fetch and apply one page. Raises remote errors other than CursorTooOld (the loop backs off)."""
        progress = apply.resync_progress(self.db)
        if progress:
            return self._resync_step(progress)
        if not self._key_checked:  # once per start: only a restart can bring a new data key
            self._key_checked = True
            if apply.unreadable_rows(self.db, self.branch_id):
                return self._start_resync("rows sealed under another data key (or not sealed)")
        cursor = apply.stored_cursor(self.db, self.branch_id)
        if cursor is None:  # a new kiosk: the streamed snapshot is far faster than the feed from its start
            return self._start_resync("first sync")
        wait = self.long_poll_s if self.caught_up and self._suspect_cursor is None else 0
        sent = time.time()
        try:
            page = self.source.changes(self.branch_id, cursor, limit=self.limit, wait=wait)
        except CursorTooOld:
            return self._start_resync("cursor too old")
        received = time.time()
        self.clock.observe(page.server_time, received if wait else sent, received)
        rows = self._apply_page(page, cursor)
        self.caught_up = not page.has_more
        if self.caught_up and page.branch_state is not None and not self._in_step(page):
            return self._start_resync("branch digest differs from the server's")
        return PullStep("page" if rows else "idle", rows, self.caught_up)

    def _apply_page(self, page: FeedPage, cursor: str | None) -> int:
        with self.gate.section():
            if not page.rows and not page.tombstones and page.cursor == cursor:
                with self.db.transaction():
                    state.put(self.db, state.LAST_PULL_OK, state.utc_now_iso())
                    state.delete(self.db, state.PULL_ERROR)
                return 0
            stats = apply.apply_page(self.db, self.branch_id, page.rows, page.tombstones, page.cursor)
        self._adapt(stats.seconds, len(page.rows) + len(page.tombstones))
        return stats.rows

    def _adapt(self, seconds: float, rows: int) -> None:
        """Halve the page when a transaction ran over budget; grow it back while well under."""
        self.applied_rows += rows
        self.apply_seconds += seconds
        if seconds > self.tx_budget_s and self.limit > MIN_LIMIT:
            self.limit = max(MIN_LIMIT, self.limit // 2)
        elif seconds < self.tx_budget_s / 4 and rows >= self.limit and self.limit < self.max_limit:
            self.limit = min(self.max_limit, self.limit * 2)

    def _in_step(self, page: FeedPage) -> bool:
        """Compare the branch with the server's count and digest; one retry on a fresh feed before judging."""
        assert page.branch_state is not None
        expected = (page.branch_state.count, page.branch_state.digest)
        now = time.monotonic()
        digest_due = self._suspect_cursor is not None or now >= self._digest_due
        if not digest_due and apply.branch_count(self.db, self.branch_id) == expected[0]:
            return True
        if apply.branch_state(self.db, self.branch_id) == expected:
            self._suspect_cursor, self._digest_due = None, now + self.digest_every_s
            return True
        if self._suspect_cursor != page.cursor:
            self._suspect_cursor = page.cursor  # perhaps a targeted fetch ran ahead of the feed: look again
            return True
        return False

    def _start_resync(self, reason: str) -> PullStep:
        log.warning("full resync of the branch", extra={"branch_id": self.branch_id, "reason": reason})
        with self.gate.section():
            apply.begin_resync(self.db, reason)
        self._suspect_cursor, self.caught_up = None, False
        return PullStep("resync_started")

    def _restart_resync(self, reason: str) -> PullStep:
        log.warning("full resync restarted", extra={"branch_id": self.branch_id, "reason": reason})
        with self.gate.section():
            apply.restart_resync(self.db, reason)
        return PullStep("resync_started")

    def _resync_step(self, progress: dict) -> PullStep:
        if progress["phase"] == "sweep":
            with self.gate.section():
                swept = apply.finish_resync(self.db, self.branch_id)
            log.info("resync finished", extra={"branch_id": self.branch_id, "swept": swept})
            return PullStep("resync_done", swept)
        try:
            chunk = self._next_chunk(progress)
        except CursorTooOld:
            self.close()
            return self._restart_resync("the snapshot expired")
        except RemoteError:
            self.close()  # resumes after the last applied chunk on the next step
            raise
        if chunk is None:
            return self._restart_resync("the snapshot moved")
        assert self._snapshot is not None
        started = time.perf_counter()
        try:
            with self.gate.section(), self._snapshot.quiet():
                stats = apply.apply_snapshot_page(self.db, self.branch_id, chunk.rows, self._snapshot.cursor,
                                                  None if chunk.last else chunk.resume_token)
        except BaseException:
            self.close()  # never go on with the next block past one that was not applied: resume after the last
            raise
        held = time.perf_counter() - started
        self.applied_rows += len(chunk.rows)
        self.apply_seconds += held
        # The next block is already being read and checked in the reader thread: leave the write lock free for
        # as long as we held it, so the kiosk app's writes (SQLite's busy handler retries after 1, 2, 5, 10,
        # 15, 20... ms) get in between two blocks instead of waiting for the whole snapshot.
        time.sleep(min(held, self.tx_budget_s))
        if chunk.last:
            self.close()
        return PullStep("snapshot", stats.rows)

    def _next_chunk(self, progress: dict) -> SnapshotChunk | None:
        """The next verified chunk of the streamed snapshot, opening (or resuming) it when needed.

        None when a resumed snapshot no longer has the cursor the applied chunks had. Raises RemoteError.
        """
        if self._chunks is None:
            sent = time.time()
            snapshot = self.source.snapshot_stream(self.branch_id, progress["page_token"], block=self.snapshot_block)
            self.clock.observe(snapshot.server_time, sent, time.time())
            if progress["cursor"] is not None and snapshot.cursor != progress["cursor"]:
                snapshot.close()
                return None
            self._snapshot, self._chunks = snapshot, snapshot.chunks()
        chunk = next(self._chunks, None)
        if chunk is None:  # pragma: no cover - chunks() raises rather than end without its last chunk
            raise PageDamaged("snapshot stream ended without its last chunk")
        return chunk

    def close(self) -> None:
        """Abandon an open snapshot stream (the next resync step resumes after the last applied chunk)."""
        if self._snapshot is not None:
            self._snapshot.close()
        self._snapshot, self._chunks = None, None
