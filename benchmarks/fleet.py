"""Benchmark: one node of the appointment service under a fleet of long-polling kiosks, on both stores.

Each simulated kiosk (asyncio + httpx, one connection each) catches up on its branch's feed and then holds a
long-poll on it (50 branches). With every long-poll parked, other kiosks make plain calls (GET /v1/keys) and a
writer changes appointments through the admin endpoint, one at a time. Measured per store, in one run, with
PostgreSQL (2 worker processes, wake-ups through LISTEN/NOTIFY) beside the SQLite embedded default (1 worker):

  - plain-call latency p50/p99 while all long-polls are parked (goal p99 < 200 ms)
  - change -> every kiosk of the branch has it: p95 over changes of the slowest kiosk (goal < 1 s), and p95 over
    all (change, kiosk) deliveries
  - server CPU seconds per kiosk-hour over the measured window, and RSS: the service's process tree plus, for
    PostgreSQL, the database server's (on SQLite the store works inside the service's process)
  - errors: non-200 answers, failed requests, and kiosks still without a change 10 s after it (goal 0)

The kiosks, the writer and the server share this machine's cores: the figures include that contention.

Run: .venv/bin/python benchmarks/fleet.py [--quick] [--kiosks N] [--changes N] [--plain N] [--stores postgres,sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central_service.admin import AdminClient, CentralAdmin  # noqa: E402
from central_service.app import build_central  # noqa: E402
from central_service.settings import Settings  # noqa: E402
from tests.postgres import available as pg_unavailable  # noqa: E402
from tests.postgres import cluster as pg_cluster  # noqa: E402

BRANCHES = [f"B{n:03d}" for n in range(1, 51)]
PER_BRANCH = 10
WAIT_S = 25
CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Expectation:
    """The change being waited for: which kiosks still miss it, and when it was written."""

    appointment_id: str
    version: int
    written_at: float
    waiting: set[int]
    delays: list[float] = field(default_factory=list)


@dataclass
class Fleet:
    """What the kiosks share with the measuring code."""

    kiosks: list[tuple[str, str]]  # (branch, token)
    parked: int = 0
    errors: int = 0
    stop: bool = False
    expect: Expectation | None = None
    deliveries: list[float] = field(default_factory=list)
    all_seen: asyncio.Event = field(default_factory=asyncio.Event)


async def kiosk(index: int, url: str, fleet: Fleet) -> None:
    """One kiosk with its own connection (as a real one has; one shared pool of 1,000 connections costs the
    client more per request than the server spends): catch up, then long-poll the branch feed until told to
    stop; report arrivals of the expected change."""
    async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=1)) as client:
        await _follow(index, client, fleet)


async def _follow(index: int, client: httpx.AsyncClient, fleet: Fleet) -> None:
    branch, token = fleet.kiosks[index]
    headers, cursor, caught_up = {"Authorization": f"Bearer {token}"}, None, False
    # The first long-poll waits 5..25 s, the next ones 25 s: real kiosks' polls are spread over the cycle, and
    # a benchmark whose 1,000 polls all expire in the same second would measure its own burst.
    wait = 5 + index * (WAIT_S - 5) // max(1, len(fleet.kiosks) - 1)
    while not fleet.stop:
        params: dict[str, object] = {"limit": 1000, "wait": wait if caught_up else 0}
        if cursor:
            params["cursor"] = cursor
        fleet.parked += caught_up
        try:
            answer = await client.get(f"/v1/branches/{branch}/changes", params=params, headers=headers,
                                      timeout=WAIT_S + 30)
        except httpx.HTTPError:
            fleet.errors += 1
            await asyncio.sleep(1)
            continue
        finally:
            fleet.parked -= caught_up
        if answer.status_code != 200:
            fleet.errors += 1
            await asyncio.sleep(1)
            continue
        page = answer.json()
        _arrived(index, page["changes"], fleet)
        wait = WAIT_S if caught_up else wait
        cursor, caught_up = page["cursor"], not page["has_more"]


def _arrived(index: int, changes: list[dict], fleet: Fleet) -> None:
    expect = fleet.expect
    if expect is None or index not in expect.waiting:
        return
    for change in changes:
        appointment = change.get("appointment") or {}
        if appointment.get("id") == expect.appointment_id and appointment.get("version", 0) >= expect.version:
            expect.waiting.discard(index)
            expect.delays.append(time.perf_counter() - expect.written_at)
            if not expect.waiting:
                fleet.all_seen.set()
            return


async def plain_calls(client: httpx.AsyncClient, tokens: list[str], count: int, fleet: Fleet) -> list[float]:
    """`count` GET /v1/keys, one after another, from kiosks that hold no long-poll; latencies in seconds."""
    latencies = []
    for n in range(count):
        started = time.perf_counter()
        try:
            answer = await client.get("/v1/keys", headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                                      timeout=30)
            fleet.errors += answer.status_code != 200
        except httpx.HTTPError:
            fleet.errors += 1
        latencies.append(time.perf_counter() - started)
    return latencies


async def writes(admin: AdminClient, targets: list[tuple[str, str]], fleet: Fleet, count: int) -> list[float]:
    """Change `count` appointments one at a time; per change, the time until its branch's last kiosk had it."""
    slowest = []
    for n in range(count):
        branch, appointment_id = targets[n % len(targets)]
        waiting = {i for i, (b, _) in enumerate(fleet.kiosks) if b == branch}
        fleet.all_seen = asyncio.Event()
        written_at = time.perf_counter()
        fleet.expect = Expectation(appointment_id, 0, written_at, waiting)
        doc = await asyncio.to_thread(admin.update_appointment, appointment_id,
                                      services={"debit_card": True, "credit_card": n % 2 == 0})
        fleet.expect.version = doc["version"]
        try:
            await asyncio.wait_for(fleet.all_seen.wait(), 10)
            slowest.append(time.perf_counter() - written_at)
        except TimeoutError:
            fleet.errors += len(fleet.expect.waiting)
            slowest.append(10.0)
        fleet.deliveries.extend(fleet.expect.delays)
        await asyncio.sleep(0.2)
    return slowest


def _tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's supervisor and its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for p in (q for pid in pids for q in _tree(pid)):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / CLK_TCK


def rss_mib(pids: list[int]) -> float:
    total = 0
    for p in (q for pid in pids for q in _tree(pid)):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def prepare(database: str, work: Path, kiosks: int, extra: int) -> tuple[list[tuple[str, str]], list[str],
                                                                         list[tuple[str, str]]]:
    """Migrate and seed the store, register the kiosks; (long-poll kiosks, plain-call tokens, change targets)."""
    settings = Settings(database=database, key_dir=str(work / "keys"), port=0)
    central = build_central(settings)
    try:
        admin = CentralAdmin(central)
        seeded = admin.seed(BRANCHES, PER_BRANCH, rng_seed=41, with_tokens=False)
        fleet = []
        for n in range(kiosks):
            branch = BRANCHES[n % len(BRANCHES)]
            fleet.append((branch, admin.add_kiosk(branch)[1]))
        plain = [admin.add_kiosk(BRANCHES[n % len(BRANCHES)])[1] for n in range(extra)]
        watched = {branch for branch, _ in fleet}
        by_branch: dict[str, list[str]] = {}
        for s in seeded:
            if s.branch_id in watched:
                by_branch.setdefault(s.branch_id, []).append(s.appointment_id)
        # round robin over the watched branches, a different appointment each round
        targets = [(b, ids[r]) for r in range(PER_BRANCH) for b, ids in sorted(by_branch.items())]
    finally:
        central.store.db.dispose()
    return fleet, plain, targets


def start_server(database: str, work: Path, workers: int) -> tuple[subprocess.Popen[bytes], str, str]:
    with socket_port() as port:
        pass
    token = secrets.token_urlsafe(16)
    central = Path(sys.executable).with_name("central")
    proc = subprocess.Popen([str(central), "--database", database, "--key-dir", str(work / "keys"), "serve",
                             "--port", str(port), "--workers", str(workers), "--admin-token", token],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url, token
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the service did not start")


class socket_port:
    """A free loopback port number (closed again before the server binds it)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


async def measure(url: str, token: str, pids: list[int], fleet: Fleet, plain: list[str], targets: list[tuple[str, str]],
                  args: argparse.Namespace) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url) as client:
        tasks = [asyncio.create_task(kiosk(i, url, fleet)) for i in range(len(fleet.kiosks))]
        try:
            started = time.perf_counter()
            while fleet.parked < len(fleet.kiosks):
                if time.perf_counter() - started > 180:
                    raise RuntimeError(f"only {fleet.parked} of {len(fleet.kiosks)} long-polls parked")
                await asyncio.sleep(0.05)
            window, cpu0 = time.perf_counter(), cpu_seconds(pids)
            latencies = await plain_calls(client, plain, args.plain, fleet)
            admin = AdminClient(url, token)
            slowest = await writes(admin, targets, fleet, args.changes)
            admin.close()
            await asyncio.sleep(max(0.0, WAIT_S + 2 - (time.perf_counter() - window)))  # at least one full cycle
            elapsed, cpu = time.perf_counter() - window, cpu_seconds(pids) - cpu0
            rss = rss_mib(pids)
        finally:
            fleet.stop = True
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    deliveries = fleet.deliveries
    return {"p50": statistics.median(latencies), "p99": _pct(latencies, 99), "all_p95": _pct(slowest, 95),
            "delivery_p95": _pct(deliveries, 95), "cpu_kh": cpu / (len(fleet.kiosks) * elapsed / 3600),
            "rss": rss, "errors": fleet.errors, "window": elapsed}


def _pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run_store(name: str, database: str, work: Path, args: argparse.Namespace,
              database_pid: int | None) -> dict[str, float]:
    """One store's run; CPU and RSS count the service's processes and, for PostgreSQL, the database server's."""
    kiosks, plain, targets = prepare(database, work, args.kiosks, 20)
    workers = 2 if name == "postgres" else 1
    proc, url, token = start_server(database, work, workers)
    pids = [proc.pid] + ([database_pid] if database_pid else [])
    try:
        return asyncio.run(measure(url, token, pids, Fleet(kiosks), plain, targets, args))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(kiosks: int, results: dict[str, dict[str, float]]) -> None:
    names = list(results)
    print(f"fleet of {kiosks} long-polling kiosks on {len(BRANCHES)} branches, one node "
          f"(postgres: 2 workers, sqlite: 1 worker)")
    rows = [("plain call p50 with all long-polls parked", "p50", "{:.1f} ms", 1000),
            ("plain call p99 (goal < 200 ms)", "p99", "{:.1f} ms", 1000),
            ("change -> all kiosks of the branch, p95 (goal < 1 s)", "all_p95", "{:.0f} ms", 1000),
            ("change -> one kiosk, p95 over all deliveries", "delivery_p95", "{:.0f} ms", 1000),
            ("server CPU seconds per kiosk-hour (service + database)", "cpu_kh", "{:.2f} s", 1),
            ("server RSS (service + database processes)", "rss", "{:.0f} MiB", 1),
            ("errors: failed calls + deliveries missing after 10 s (goal 0)", "errors", "{:.0f}", 1),
            ("measured window", "window", "{:.0f} s", 1)]
    print(f"{'':62}" + "".join(f"{n:>14}" for n in names))
    for label, key, fmt, scale in rows:
        print(f"{label:62}" + "".join(f"{fmt.format(results[n][key] * scale):>14}" for n in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 kiosks, fewer samples")
    parser.add_argument("--kiosks", type=int, default=None)
    parser.add_argument("--changes", type=int, default=None)
    parser.add_argument("--plain", type=int, default=None)
    parser.add_argument("--stores", default="postgres,sqlite")
    args = parser.parse_args()
    args.kiosks = args.kiosks or (200 if args.quick else 1000)
    args.changes = args.changes or (10 if args.quick else 30)
    args.plain = args.plain or (200 if args.quick else 500)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if "postgres" in stores and pg_unavailable():
        print(f"postgres skipped: {pg_unavailable()}")
        stores.remove("postgres")
    results: dict[str, dict[str, float]] = {}
    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        for name in stores:
            database_pid = None
            if name == "postgres":
                running = stack.enter_context(pg_cluster())
                database = running.new_database()
                database_pid = int((running.root / "data" / "postmaster.pid").read_text().split()[0])
            else:
                database = f"sqlite:///{work / 'central.sqlite'}"
            results[name] = run_store(name, database, work / name, args, database_pid)
    report(args.kiosks, results)


if __name__ == "__main__":
    main()
