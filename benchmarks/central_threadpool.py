"""Benchmark: the service's sync SQLAlchemy Core in Starlette's threadpool against the same read called inline
on the event loop (the limit: no thread hop at all, as an async driver would at best approach), on both stores.

Why: the service runs its short views as sync Core in the threadpool and keeps only the long-polls async. This
measures what the thread hop costs on a real feed read (one page of 50 appointments of a branch of 2,000), with
16 concurrent clients over loopback, and — the reason for the choice — what inline blocking does to everyone
else: a slow statement inline stalls the loop for every parked long-poll and every other request, while in the
pool it does not. Printed per store: requests/s, p50 and p99 of each, the pool/inline ratio, and the p99 of a
cheap call (/healthz) while 8 slow statements (50 ms each) run.

Run: .venv/bin/python benchmarks/central_threadpool.py [--requests N] [--stores sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlalchemy import text  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from central_service.db import Database  # noqa: E402
from central_service.migrations import upgrade  # noqa: E402
from central_service.seed import generate  # noqa: E402
from central_service.store import Store  # noqa: E402

BRANCH = "BR001"


def _page(store: Store) -> bytes:
    rows, _ = store.feed(BRANCH, 0, 50)
    return b"[" + b",".join(row.doc.encode() for row in rows) + b"]"


def _slow(store: Store) -> None:
    with store.db.read() as conn:
        conn.execute(text("SELECT pg_sleep(0.05)" if store.db.is_postgres else "SELECT 1"))
    if not store.db.is_postgres:
        time.sleep(0.05)  # SQLite has no sleep function: hold the thread as a 50 ms statement would


def _app(store: Store) -> Starlette:
    async def pool(request: object) -> Response:
        return Response(await run_in_threadpool(_page, store), media_type="application/json")

    async def inline(request: object) -> Response:
        return Response(_page(store), media_type="application/json")

    async def slow_pool(request: object) -> Response:
        await run_in_threadpool(_slow, store)
        return JSONResponse({})

    async def slow_inline(request: object) -> Response:
        _slow(store)
        return JSONResponse({})

    async def health(request: object) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/pool", pool), Route("/inline", inline), Route("/slow/pool", slow_pool),
                             Route("/slow/inline", slow_inline), Route("/healthz", health)])


def _serve(app: Starlette) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, loop="asyncio", log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


async def _load(base: str, path: str, total: int, concurrency: int = 16) -> tuple[float, list[float]]:
    latencies: list[float] = []
    queue = iter(range(total))

    async def worker(client: httpx.AsyncClient) -> None:
        for _ in queue:
            started = time.perf_counter()
            response = await client.get(path)
            assert response.status_code == 200
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=concurrency)) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return total / (time.perf_counter() - started), latencies


async def _cheap_beside_slow(base: str, slow_path: str) -> float:
    """p99 of /healthz while 8 clients keep the slow statement running."""
    stop, cheap = asyncio.Event(), []

    async def slow(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            await client.get(slow_path)

    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=12)) as client:
        slows = [asyncio.create_task(slow(client)) for _ in range(8)]
        await asyncio.sleep(0.2)
        for _ in range(60):
            started = time.perf_counter()
            await client.get("/healthz")
            cheap.append(time.perf_counter() - started)
        stop.set()
        await asyncio.gather(*slows)
    return _pct(cheap, 99)


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


def run(store_name: str, url: str, requests_n: int) -> None:
    db = Database(url)
    upgrade(db.engine)
    store = Store(db)
    store.put_appointments_bulk(list(generate([BRANCH], 2000, rng_seed=3)))
    base, server, thread = _serve(_app(store))
    try:
        asyncio.run(_load(base, "/pool", 200))  # warm both paths and the pool
        asyncio.run(_load(base, "/inline", 200))
        results = {name: asyncio.run(_load(base, "/" + name, requests_n)) for name in ("pool", "inline")}
        beside = {name: asyncio.run(_cheap_beside_slow(base, "/slow/" + name)) for name in ("pool", "inline")}
    finally:
        server.should_exit = True
        thread.join(10)
        db.dispose()
    for name, (rate, lat) in results.items():
        print(f"{store_name:8s} feed page via {name:6s}: {rate:7.0f} req/s  p50 {_pct(lat, 50) * 1000:6.2f} ms"
              f"  p99 {_pct(lat, 99) * 1000:6.2f} ms")
    print(f"{store_name:8s} pool/inline throughput ratio: {results['pool'][0] / results['inline'][0]:.2f}")
    print(f"{store_name:8s} /healthz p99 beside 8 x 50 ms statements: pool {beside['pool'] * 1000:.1f} ms,"
          f" inline {beside['inline'] * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    stores = args.stores.split(",")
    with tempfile.TemporaryDirectory() as work:
        if "sqlite" in stores:
            run("sqlite", f"sqlite:///{Path(work) / 'central.sqlite'}", args.requests)
        if "postgres" in stores:
            from tests.postgres import available, cluster

            reason = available()
            if reason:
                print(f"postgres skipped: {reason}")
                return
            with cluster() as pg:
                run("postgres", pg.new_database(), args.requests)


if __name__ == "__main__":
    main()
