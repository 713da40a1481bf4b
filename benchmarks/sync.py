"""Benchmark: the sync agent end to end over loopback against the reference service (in its own process).

Measures, in one run:
  - a new kiosk's first sync of N appointments (100k; --quick 10k) through the streamed snapshot: wall time
    and rows/s, fetch + verify + validate + apply (goal for 100k: < 5 s); then the same again while a
    kiosk-app process writes every 10 ms (a stress probe for the app's write waits below)
  - the peer: the same rows through the paged feed from its start (the first sync before), and the speed-up
  - apply rate: rows/s inside the agent's apply transactions, against raw sqlite3 executemany of the very same
    rows into the same schema with the same pragmas in one transaction (the limit), as a ratio (target >= 0.5)
  - the longest wait a kiosk-app write (another process: a journal row in its own transaction every ~10 ms)
    sees while the initial sync applies (target < 100 ms)
  - propagation: an appointment created on the service until it is visible in the kiosk database, p50/p95
    (target p95 < 1 s), with the agent long-polling
  - idle cost per hour: requests and bytes (HTTP request + answer, headers included) of an idle agent,
    measured per request and scaled to the configured long-poll (25 s) and heartbeat (60 s) intervals

Run: .venv/bin/python benchmarks/sync.py [--quick] [--rows N] [--propagation N] [--idle-s S]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central_api_client import CentralClient, RetryPolicy  # noqa: E402
from central_service.admin import AdminClient  # noqa: E402
from sync_agent import apply  # noqa: E402
from sync_agent.agent import AgentSettings, SyncAgent  # noqa: E402
from sync_agent.central import CentralRemote  # noqa: E402
from sync_agent.localdb import LocalDb, open_db  # noqa: E402
from sync_agent.pull import Puller  # noqa: E402

BRANCH = "BR001"
PROD_LONG_POLL_S, PROD_HEARTBEAT_S = 25, 60

SERVER = """
import json, sys, threading
from pathlib import Path
from central_service.testing import RunningService, sqlite_settings
work, rows = Path(sys.argv[1]), int(sys.argv[2])
service = RunningService(sqlite_settings(work)).start()
service.admin.seed(["BR001"], rows, rng_seed=7, with_tokens=False)
service.admin.seed(["BR002"], 100, rng_seed=8, with_tokens=False)
_, token = service.admin.add_kiosk("BR001")
print(json.dumps({"url": service.url, "admin": service.admin_token, "token": token}), flush=True)
threading.Event().wait()
"""

WRITER = """
import json, os, sys, time
from sync_agent import journal
from sync_agent.localdb import LocalDb
db, stop, waits = LocalDb(sys.argv[1]), sys.argv[2], []
print("ready", flush=True)
while not os.path.exists(stop):
    started = time.perf_counter()
    journal.append(db, "bench.app_write", {"n": len(waits)})
    waits.append(time.perf_counter() - started)
    time.sleep(0.01)
print(json.dumps({"writes": len(waits), "max": max(waits), "p99": sorted(waits)[int(len(waits) * 0.99)]}))
"""


def start_server(work: Path, rows: int) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(work), str(rows)], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    return proc, json.loads(proc.stdout.readline())


class WireCounter:
    """A requests response hook: counts requests and HTTP bytes (request and answer, headers included) by route."""

    def __init__(self) -> None:
        self.by_route: dict[str, list[int]] = {}

    def __call__(self, response: Any, *args: Any, **kwargs: Any) -> None:
        req = response.request
        sent = len(f"{req.method} {req.path_url} HTTP/1.1\r\n") + sum(len(k) + len(v) + 4 for k, v in
                                                                    req.headers.items()) + 2 + len(req.body or b"")
        got = len("HTTP/1.1 200 OK\r\n") + sum(len(k) + len(v) + 4 for k, v in response.headers.items()) + 2
        route = "heartbeat" if "heartbeats" in req.path_url else "changes" if "changes" in req.path_url else "other"
        entry = self.by_route.setdefault(route, [0, 0])
        entry[0] += 1
        entry[1] += sent + got + len(response.content)


def first_sync(client: CentralClient, db_path: Path) -> float:
    """A new kiosk's first sync, nothing else writing to its database (the goal's case); wall seconds."""
    with open_db(db_path) as db:
        puller = Puller(db, CentralRemote(client), BRANCH, page_size=1000, long_poll_s=0)
        started = time.perf_counter()
        while not puller.step().caught_up:
            pass
        return time.perf_counter() - started


def initial_sync(client: CentralClient, db_path: Path, rows: int) -> dict[str, float]:
    """Pull everything while a kiosk-app process writes to the same file every 10 ms (a stress probe: a new
    kiosk's app is idle); wall time, apply time, and the app's waits."""
    stop = db_path.parent / "stop-writer"
    with open_db(db_path):
        pass
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(stop)], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    with LocalDb(db_path) as db:
        puller = Puller(db, CentralRemote(client), BRANCH, page_size=1000, long_poll_s=0)
        started = time.perf_counter()
        while not puller.step().caught_up:
            pass
        wall = time.perf_counter() - started
    stop.touch()
    waits = json.loads(writer.communicate(timeout=30)[0].strip().splitlines()[-1])
    return {"wall": wall, "rows": puller.applied_rows, "apply_s": puller.apply_seconds, **waits}


def paged_feed_from_start(client: CentralClient, db_path: Path) -> float:
    """The peer: the same branch read through the paged feed from its start (the first sync before the
    streamed snapshot), each page fetched, checked, validated and applied with its cursor; wall seconds."""
    remote = CentralRemote(client)
    with open_db(db_path) as db:
        started, cursor = time.perf_counter(), None
        while True:
            page = remote.changes(BRANCH, cursor, limit=1000, wait=0)
            apply.apply_page(db, BRANCH, page.rows, page.tombstones, page.cursor)
            cursor = page.cursor
            if not page.has_more:
                return time.perf_counter() - started


def raw_executemany(db_path: Path, work: Path, rounds: int = 3) -> float:
    """The limit: the same rows, one executemany in one transaction, same schema and pragmas; best rows/s."""
    with LocalDb(db_path) as src:
        rows = src.conn.execute("SELECT id, branch_id, kind, status, version, updated_at, payload, 0 "
                                "FROM appointments WHERE branch_id = ?", (BRANCH,)).fetchall()
    best = 0.0
    for n in range(rounds):
        with open_db(work / f"raw{n}.sqlite") as raw:
            started = time.perf_counter()
            raw.conn.execute("BEGIN IMMEDIATE")
            raw.conn.executemany(apply._UPSERT, rows)
            raw.conn.execute("COMMIT")
            best = max(best, len(rows) / (time.perf_counter() - started))
    return best


def propagation(db_path: Path, admin: AdminClient, remote: CentralRemote, count: int) -> list[float]:
    """Create on the service, time until the row is in the kiosk database, with the agent long-polling."""
    settings = AgentSettings(db_path=str(db_path), branch_id=BRANCH, long_poll_s=PROD_LONG_POLL_S,
                             heartbeat_s=PROD_HEARTBEAT_S, push_idle_s=0.5)
    agent = SyncAgent(settings, remote)
    agent.start()
    reader = sqlite3.connect(db_path)
    delays = []
    try:
        time.sleep(0.5)  # let the puller settle into its long-poll (measurement only)
        for _ in range(count):
            started = time.perf_counter()
            appointment_id = admin.create_appointment(BRANCH)["id"]
            while reader.execute("SELECT 1 FROM appointments WHERE id = ?", (appointment_id,)).fetchone() is None:
                time.sleep(0.001)
                if time.perf_counter() - started > 30:
                    raise RuntimeError("appointment never arrived")
            delays.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        agent.stop()
        reader.close()
    return delays


def idle_cost(db_path: Path, client: CentralClient, idle_s: float) -> dict[str, float]:
    """An idle agent for `idle_s` (long-poll 2 s, heartbeat 3 s): bytes per request, scaled to an hour."""
    counter = WireCounter()
    client.session.hooks["response"].append(counter)
    settings = AgentSettings(db_path=str(db_path), branch_id=BRANCH, long_poll_s=2, heartbeat_s=3)
    agent = SyncAgent(settings, CentralRemote(client))
    agent.start()
    time.sleep(idle_s)  # the measurement window
    agent.stop()
    client.session.hooks["response"].remove(counter)
    per = {route: counter.by_route.get(route, [0, 0]) for route in ("changes", "heartbeat")}
    avg = {route: (b / n if n else 0.0) for route, (n, b) in per.items()}
    requests_h = 3600 / PROD_LONG_POLL_S + 3600 / PROD_HEARTBEAT_S
    bytes_h = 3600 / PROD_LONG_POLL_S * avg["changes"] + 3600 / PROD_HEARTBEAT_S * avg["heartbeat"]
    return {"requests_h": requests_h, "bytes_h": bytes_h, "poll_bytes": avg["changes"],
            "beat_bytes": avg["heartbeat"], "polls": per["changes"][0], "beats": per["heartbeat"][0],
            "other": counter.by_route.get("other", [0, 0])[0]}


def report(rows: int, sync: dict[str, float], limit: float, delays: list[float], idle: dict[str, float],
           paged: float) -> None:
    e2e, applied = sync["rows"] / sync["wall"], sync["rows"] / sync["apply_s"]
    p50 = statistics.median(delays)
    p95 = statistics.quantiles(delays, n=20)[-1] if len(delays) >= 2 else delays[0]
    print(f"first sync of a new kiosk, {rows} appointments end to end (streamed snapshot): {sync['alone']:.2f} s "
          f"({rows / sync['alone']:,.0f} rows/s; goal for 100k < 5 s)")
    print(f"the same while the kiosk app writes every 10 ms (stress probe): {sync['wall']:.2f} s "
          f"({e2e:,.0f} rows/s)")
    print(f"the same rows through the paged feed from its start (the first sync before): {paged:.2f} s; "
          f"speed-up of the streamed snapshot: {paged / sync['alone']:.1f}x")
    print(f"apply rate inside agent transactions: {applied:,.0f} rows/s")
    print(f"raw sqlite3 executemany of the same rows (the limit): {limit:,.0f} rows/s")
    print(f"apply rate / executemany ratio: {applied / limit:.2f} (target >= 0.5)")
    print(f"end-to-end rate / executemany ratio: {e2e / limit:.2f}")
    print(f"kiosk-app write wait during the sync, max: {sync['max'] * 1000:.1f} ms, p99: "
          f"{sync['p99'] * 1000:.1f} ms over {sync['writes']:.0f} writes (target max < 100 ms)")
    print(f"propagation create -> visible in kiosk db, p50: {p50 * 1000:.0f} ms, p95: {p95 * 1000:.0f} ms "
          f"over {len(delays)} creates (target p95 < 1000 ms)")
    print(f"idle requests per hour (long-poll {PROD_LONG_POLL_S} s, heartbeat {PROD_HEARTBEAT_S} s): "
          f"{idle['requests_h']:.0f}")
    print(f"idle bytes per hour: {idle['bytes_h'] / 1024:.0f} KiB (idle poll {idle['poll_bytes']:.0f} B, "
          f"heartbeat {idle['beat_bytes']:.0f} B per request; measured {idle['polls']:.0f} polls, "
          f"{idle['beats']:.0f} heartbeats, {idle['other']:.0f} other)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k rows, fewer samples: under a minute")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--propagation", type=int, default=None)
    parser.add_argument("--idle-s", type=float, default=None)
    args = parser.parse_args()
    rows = args.rows or (10_000 if args.quick else 100_000)
    creates = args.propagation or (20 if args.quick else 50)
    idle_s = args.idle_s or (6.5 if args.quick else 20.0)
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    server, info = start_server(work, rows)
    retry = RetryPolicy(total=3, backoff_factor=0.05)
    try:
        with CentralClient(info["url"], bearer_token=info["token"], retry=retry) as client:
            db_path = work / "kiosk.sqlite"
            alone = first_sync(client, work / "alone.sqlite")
            sync = initial_sync(client, db_path, rows)
            sync["alone"] = alone
            limit = raw_executemany(db_path, work)
            paged = paged_feed_from_start(client, work / "paged.sqlite")
            admin = AdminClient(info["url"], info["admin"])
            delays = propagation(db_path, admin, CentralRemote(client), creates)
            idle = idle_cost(db_path, client, idle_s)
            admin.close()
        report(rows, sync, limit, delays, idle, paged)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
