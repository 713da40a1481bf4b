"""A fleet node: `central serve --workers 2` on PostgreSQL. A change written through one worker wakes the
long-polls parked on the other within a second (LISTEN/NOTIFY), over real sockets.

Which worker a connection lands on is the kernel's choice; each kiosk connection first asks /healthz (which
names its worker) and then parks its long-poll on the same keep-alive connection, so the test knows where
every poll is parked.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.postgres import PgCluster, _free_port, pg_cluster  # noqa: F401  (fixture)

ADMIN = "fleet-admin-token-0001"
REPO = Path(__file__).resolve().parents[2]


def _start_node(url: str, port: int, tmp_path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "central_service", "--database", url, "--key-dir", str(tmp_path / "keys"),
               "serve", "--port", str(port), "--workers", "2", "--admin-token", ADMIN]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_ready(base: str, node: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert node.poll() is None, node.stderr.read().decode() if node.stderr else "node died"
        try:
            if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the node did not get ready")


async def _parked_kiosks(base: str, token: str, want_workers: int = 2,
                         per_worker: int = 3) -> list[tuple[httpx.AsyncClient, int]]:
    """Connections pinned to known workers (at least `per_worker` on each of `want_workers`)."""
    found: list[tuple[httpx.AsyncClient, int]] = []
    for _ in range(80):
        client = httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30,
                                   limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        worker = (await client.get("/healthz")).json()["worker"]
        found.append((client, worker))
        counts = {w: sum(1 for _, x in found if x == w) for _, w in found}
        if len(counts) >= want_workers and min(counts.values()) >= per_worker:
            return found
    raise AssertionError(f"the kernel gave every connection to the same worker: {counts}")


async def _wake_across_workers(base: str, token: str, cursor: str) -> tuple[int, dict[int, list[float]]]:
    kiosks = await _parked_kiosks(base, token)
    params = {"cursor": cursor, "wait": "20"}
    polls = [asyncio.create_task(client.get("/v1/branches/BJ001/changes", params=params)) for client, _ in kiosks]
    await asyncio.sleep(1.0)  # parked
    assert not any(p.done() for p in polls), "a long-poll returned before any change"
    async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=1)) as admin:
        writer = (await admin.get("/healthz")).json()["worker"]  # the writer's connection, on a known worker
        written = time.monotonic()
        created = await admin.post("/admin/appointments", json={"branch_id": "BJ001"},
                                   headers={"X-Admin-Token": ADMIN})
    assert created.status_code == 201
    woke: dict[int, list[float]] = {}
    for (_client, worker), poll in zip(kiosks, polls, strict=True):
        answer = await poll
        assert answer.status_code == 200 and answer.json()["count"] == 1
        woke.setdefault(worker, []).append(time.monotonic() - written)
    for client, _ in kiosks:
        await client.aclose()
    return writer, woke


def test_a_change_through_one_worker_wakes_long_polls_on_the_other(pg_cluster: PgCluster,  # noqa: F811
                                                                   tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    node = _start_node(pg_cluster.new_database(), port, tmp_path)
    try:
        _wait_ready(base, node)
        kiosk = httpx.post(base + "/admin/kiosks", json={"branch_id": "BJ001"}, headers={"X-Admin-Token": ADMIN})
        token = kiosk.json()["bearer_token"]
        cursor = httpx.get(base + "/v1/branches/BJ001/changes", headers={"Authorization": f"Bearer {token}"}).json()[
            "cursor"]
        writer, woke = asyncio.run(_wake_across_workers(base, token, cursor))
    finally:
        node.terminate()
        node.wait(timeout=30)
    others = [delay for worker, delays in woke.items() if worker != writer for delay in delays]
    assert len(woke) == 2 and others, woke
    assert max(others) < 1.0, woke


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
