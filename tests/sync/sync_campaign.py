"""The crash and fault campaign: `kiosk sync` in its own process, SIGKILLed at random points of a large pull
and push, restarted until it converges, then checked against the reference service.

A kill point is chosen by progress, not by the clock: after a random number of appointments applied, or of
events acknowledged, or (the third kind) a random delay after start, so kills land in the pull, the push, a
resync and start-up alike. Between kills the service moves on (new, changed and cancelled appointments; some
runs purge tombstones, so the next start meets "cursor too old" and resyncs). After each run the kiosk must
hold exactly the service's live appointments of its branch (content, count and digest), nothing of another
branch, and every outbox event must have been applied exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from synchelp import BRANCH, OTHER, kiosk_rows, server_rows

from central_service.admin import CentralAdmin
from kiosk_app.config import dev_config_path
from sync_agent import apply, outbox
from sync_agent.localdb import LocalDb, open_db

REPO = Path(__file__).resolve().parents[2]


def write_config(directory: Path, url: str, token: str, db_path: Path, *, long_poll_s: int = 5) -> Path:
    """A kiosk.toml pointing at the reference service, the kiosk's token and database; logs to a file."""
    token_file = directory / "token"
    token_file.write_text(token, encoding="utf-8")
    text = dev_config_path().read_text(encoding="utf-8")
    text = text.replace('url = "http://127.0.0.1:8765"', f'url = "{url}"\nbearer_token_file = "{token_file}"')
    text = text.replace('database = "var/kiosk.sqlite"', f'database = "{db_path}"')
    text = text.replace('log_dir = "var/log"', f'log_dir = "{directory / "log"}"')
    text = text.replace('destination = "stdout"', 'destination = "file"')
    path = directory / "kiosk.toml"
    path.write_text(text + f"\n[sync]\nlong_poll_s = {long_poll_s}\nheartbeat_s = 5\npage_size = 500\n",
                    encoding="utf-8")
    return path


def start_agent(config: Path) -> subprocess.Popen[bytes]:
    """`kiosk sync` as its own process (so SIGKILL takes it alone)."""
    return subprocess.Popen([sys.executable, "-m", "kiosk_app", "--config", str(config), "sync"], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ})


def wait_until(predicate: Callable[[], bool], timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """Poll `predicate` (2 ms) until true, the timeout passes or the process dies; whether it became true."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _count(db_path: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db_path, timeout=5) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


@dataclass
class Campaign:
    """One reference service, many kiosk runs against it."""

    admin: CentralAdmin
    url: str
    workdir: Path
    rows: int
    events: int
    rng: random.Random
    kills: int = 0
    runs: int = 0
    kill_points: dict[str, int] = field(default_factory=dict)
    longest_recovery_s: float = 0.0
    resyncs: int = 0

    def seed(self) -> None:
        self.admin.seed([BRANCH], self.rows, rng_seed=self.rng.randrange(1 << 30), with_tokens=False)
        self.admin.seed([OTHER], 50, rng_seed=self.rng.randrange(1 << 30), with_tokens=False)

    def run(self, kills: int, *, converge_timeout_s: float = 120.0) -> None:
        """A fresh kiosk: `kills` SIGKILLs at random points, then a clean run to convergence and SIGTERM."""
        self.runs += 1
        directory = self.workdir / f"run{self.runs}"
        directory.mkdir(parents=True)
        db_path = directory / "kiosk.sqlite"
        _, token = self.admin.add_kiosk(BRANCH)
        config = write_config(directory, self.url, token, db_path)
        with open_db(db_path) as db:
            keys = [outbox.enqueue(db, f"session-{i % 7}", "session_step", {"session_id": f"s{i % 7}", "n": i})
                    .idempotency_key for i in range(self.events)]
        applied_before = self.admin.stats()["events_applied"]
        for _ in range(kills):
            self._kill_once(config, db_path)
            self._move_server()
        self._finish(config, db_path, converge_timeout_s)
        self.verify(db_path, keys, applied_before)
        log = (directory / "log" / "kiosk-sync.log").read_text(encoding="utf-8")
        assert "branch digest differs" not in log, f"run {self.runs}: the agent itself caused a divergence"
        self.resyncs += log.count("full resync of the branch")

    def _kill_once(self, config: Path, db_path: Path) -> None:
        proc = start_agent(config)
        kind = self.rng.choice(["rows", "events", "time"])
        if kind == "rows":
            target = self.rng.randrange(1, self.rows)
            wait_until(lambda: _count(db_path, "SELECT COUNT(*) FROM appointments") >= target, 60, proc)
        elif kind == "events":
            target = self.rng.randrange(1, self.events)
            wait_until(lambda: _count(db_path, "SELECT COUNT(*) FROM outbox WHERE state = 'acked'") >= target,
                       60, proc)
        else:
            time.sleep(self.rng.uniform(0.0, 2.5))
        proc.kill()
        proc.wait(timeout=30)
        self.kills += 1
        self.kill_points[kind] = self.kill_points.get(kind, 0) + 1

    def _move_server(self) -> None:
        """The branch moves on between kills; now and then far enough that the kiosk's cursor is too old."""
        live = self.admin.appointments(BRANCH)
        for doc in self.rng.sample(live, k=min(3, len(live))):
            self.admin.cancel_appointment(doc["id"])
        for _ in range(2):
            self.admin.create_appointment(BRANCH, rng_seed=self.rng.randrange(1 << 30))
        if live:
            self.admin.update_appointment(self.rng.choice(live)["id"], services={"debit_card": True})
        if self.rng.random() < 0.25:
            self.admin.purge_tombstones(BRANCH)

    def _converged(self, db_path: Path) -> bool:
        with LocalDb(db_path) as db:
            if outbox.depth(db)["pending"] or apply.resync_progress(db):
                return False
            server = self.admin.branch_state(BRANCH)
            return apply.branch_state(db, BRANCH) == (server["count"], server["digest"])

    def _finish(self, config: Path, db_path: Path, timeout_s: float) -> None:
        proc = start_agent(config)
        started = time.monotonic()
        ok = wait_until(lambda: self._converged(db_path), timeout_s, proc)
        self.longest_recovery_s = max(self.longest_recovery_s, time.monotonic() - started)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
        stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        assert ok, f"run {self.runs}: the kiosk did not converge: {stderr[-2000:]}"
        assert code == 0, f"run {self.runs}: SIGTERM exit code {code}: {stderr[-2000:]}"

    def verify(self, db_path: Path, keys: list[str], applied_before: int) -> None:
        """Same rows as the service, nothing of another branch, every event applied exactly once."""
        with LocalDb(db_path) as db:
            assert kiosk_rows(db) == server_rows(self.admin), f"run {self.runs}: rows differ"
            foreign = db.conn.execute("SELECT COUNT(*) FROM appointments WHERE branch_id != ?", (BRANCH,))
            assert foreign.fetchone()[0] == 0
            assert outbox.depth(db) == {"pending": 0, "acked": len(keys), "quarantined": 0}
        server_keys = self.admin.event_keys(BRANCH)
        mine = [k for k in server_keys if k in set(keys)]
        assert mine == keys, f"run {self.runs}: events missing, duplicated or out of order"
        assert self.admin.stats()["events_applied"] - applied_before == len(keys)
