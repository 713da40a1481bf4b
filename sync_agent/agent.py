"""The sync agent as a long-lived service: pull, push and housekeeping workers over one database file.

Four threads, each with its own connection: the puller follows the feed (long-polling once caught up), the
pusher drains the outbox (polling it every `push_idle_s`, since the kiosk app writes from another process;
staff calls jump the queue), the housekeeper sends heartbeats, saves the clock offset and purges expired
personal data, and the staff thread copies the branch's lobby-manager PINs from the directory. Failures
back off with jitter and are recorded for health; a worker never dies of one. SIGTERM closes the write gate:
the page or batch being written commits, the one being fetched is abandoned, and the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sync_agent import health, heartbeat, outbox, retention, staff_credentials, state
from sync_agent.apply import ForeignBranchRow
from sync_agent.backoff import Backoff
from sync_agent.clock import ServerClock
from sync_agent.gate import Gate, Stopping
from sync_agent.heartbeat import Interval, KioskReport, StatusProvider
from sync_agent.localdb import LocalDb, open_db
from sync_agent.pull import FeedSource, Puller
from sync_agent.push import EventSink, Pusher
from sync_agent.remote import Offline, RemoteError

log = logging.getLogger(__name__)


class Remote(FeedSource, EventSink, heartbeat.HeartbeatSink, Protocol):
    """Everything the agent asks of the central service (sync_agent.central.CentralRemote)."""


@dataclass(frozen=True)
class AgentSettings:
    """Plain settings: the CLI maps kiosk.toml onto these, so the agent never imports the kiosk app."""

    db_path: str
    branch_id: str
    page_size: int = 500
    long_poll_s: int = 25
    heartbeat_s: float = 60.0
    retention_grace_h: float = 24.0
    retention_every_s: float = 600.0
    push_batch: int = 100
    push_idle_s: float = 0.5
    urgent_poll_s: float = 0.05  # how often an idle pusher looks for a staff call (one probe of outbox_urgent)
    staff_every_s: float = 15.0  # a revoked lobby manager's PIN stops working within this (plus one request)
    tx_budget_s: float = 0.04
    backoff_cap_s: float = 30.0
    app_version: str = "0"


class LinkRecorder:
    """Writes the link state for health on every change, and at least every `refresh_s` while it holds."""

    def __init__(self, refresh_s: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._last: tuple[bool, str | None] | None = None
        self._due = Interval(refresh_s)

    def record(self, db: LocalDb, ok: bool, error: str | None = None) -> None:
        with self._lock:
            if self._last == (ok, error) and not self._due.ready():
                return
            self._last = (ok, error)
        health.record_link(db, ok, error)



class SyncAgent:
    """Start with `start()`, stop with `stop()`; `run()` does both around SIGTERM/SIGINT."""

    def __init__(self, settings: AgentSettings, remote: Remote, status: StatusProvider | None = None) -> None:
        self.settings, self.remote = settings, remote
        self.status: StatusProvider = status or KioskReport
        self.gate = Gate()
        self.link = LinkRecorder()
        self._threads: list[threading.Thread] = []
        with open_db(settings.db_path) as db:  # migrate once, before the workers open theirs
            self.clock = ServerClock.load(db)

    def start(self) -> None:
        loops = [("pull", self._pull_loop), ("push", self._push_loop), ("house", self._house_loop)]
        if hasattr(self.remote, "staff_credentials"):  # a test's remote without the staff directory skips it
            loops.append(("staff", self._staff_loop))
        for name, target in loops:
            thread = threading.Thread(target=self._worker, args=(name, target), name=f"sync-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Close the gate (waiting for the write in progress) and give the workers a moment to leave."""
        clean = self.gate.close(timeout_s)
        for thread in self._threads:
            thread.join(timeout=0.5)
        log.info("sync agent stopped", extra={"clean": clean})
        return clean

    def run(self, until: threading.Event | None = None) -> None:
        """Run until SIGTERM/SIGINT (or `until` is set), then stop gracefully."""
        done = until or threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: done.set())
        self.start()
        log.info("sync agent running", extra={"branch_id": self.settings.branch_id})
        while not done.wait(1.0):
            pass
        self.stop()

    def _worker(self, name: str, loop: Callable[[LocalDb, Backoff], None]) -> None:
        db = LocalDb(self.settings.db_path)
        backoff = Backoff(cap_s=self.settings.backoff_cap_s)
        while not self.gate.stop.is_set():
            try:
                loop(db, backoff)
            except Stopping:
                return
            except Exception as exc:  # a bug or a local fault must not kill the worker: record, back off
                self._failed(db, name, exc, backoff)

    def _failed(self, db: LocalDb, name: str, exc: Exception, backoff: Backoff) -> None:
        retry_after = exc.retry_after_s if isinstance(exc, RemoteError) else None
        text = f"{name}: {type(exc).__name__}: {exc}"[:300]
        try:
            with self.gate.section():
                if isinstance(exc, Offline):
                    self.link.record(db, False, text)
                else:
                    log.warning("sync %s failed", name, exc_info=not isinstance(exc, RemoteError | ForeignBranchRow))
                    state.put(db, state.PUSH_ERROR if name == "push" else state.PULL_ERROR, text)
        except Stopping:
            return
        self.gate.wait(backoff.next_delay(retry_after))

    def _pull_loop(self, db: LocalDb, backoff: Backoff) -> None:
        s = self.settings
        puller = Puller(db, self.remote, s.branch_id, page_size=s.page_size, long_poll_s=s.long_poll_s,
                        tx_budget_s=s.tx_budget_s, clock=self.clock, gate=self.gate)
        while not self.gate.stop.is_set():
            puller.step()
            backoff.reset()
            with self.gate.section():
                self.link.record(db, True)

    def _push_loop(self, db: LocalDb, backoff: Backoff) -> None:
        pusher = Pusher(db, self.remote, batch_size=self.settings.push_batch, gate=self.gate)
        while not self.gate.stop.is_set():
            report = pusher.push_once()
            backoff.reset()
            if report.sent:
                with self.gate.section():
                    self.link.record(db, True)
            else:
                self._idle(db)

    def _idle(self, db: LocalDb) -> None:
        """Wait `push_idle_s` for the next batch, but look for urgent events (a customer waiting for a lobby
        manager) every `urgent_poll_s`: a staff call leaves at once, not at the end of the idle wait."""
        deadline = time.monotonic() + self.settings.push_idle_s
        while not self.gate.wait(min(self.settings.urgent_poll_s, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline or outbox.pending(db, kinds=outbox.URGENT_KINDS, limit=1):
                return

    def _house_loop(self, db: LocalDb, backoff: Backoff) -> None:
        beats, purges = Interval(self.settings.heartbeat_s), Interval(self.settings.retention_every_s)
        while not self.gate.stop.is_set():
            if beats.ready():
                self._beat(db)
            if purges.ready():
                with self.gate.section():
                    retention.purge(db, grace=timedelta(hours=self.settings.retention_grace_h),
                                    server_now=self.clock.now())
            backoff.reset()
            self.gate.wait(1.0)

    def _staff_loop(self, db: LocalDb, backoff: Backoff) -> None:
        """Keep the lobby managers' PINs in step with the central staff directory (revocations included)."""
        source: staff_credentials.CredentialSource = self.remote  # type: ignore[assignment]
        while not self.gate.stop.is_set():
            version, found = source.staff_credentials(self.settings.branch_id)  # not inside the gate: a fetch
            with self.gate.section():
                staff_credentials.apply(db, version, found)
            backoff.reset()
            self.gate.wait(self.settings.staff_every_s)

    def _beat(self, db: LocalDb) -> None:
        heartbeat.beat(db, self.remote, self.status, app_version=self.settings.app_version, clock=self.clock,
                       disk_path=self.settings.db_path)
        with self.gate.section():
            self.clock.save(db)
            self.link.record(db, True)
