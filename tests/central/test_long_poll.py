"""A parked long-poll holds no thread: with more kiosks parked than Starlette's threadpool has threads (40),
a plain call still gets its answer while every long-poll is still waiting (the old service, 16 threads, made
the 41st kiosk wait for a long-poll to end)."""

from __future__ import annotations

import asyncio

import httpx

from tests.central.conftest import Sim

PARKED = 60


async def _plain_call_beside_parked_polls(url: str, token: str, cursor: str) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=PARKED + 5)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:
        polls = [asyncio.create_task(client.get("/v1/branches/BJ001/changes", params={"cursor": cursor, "wait": 30}))
                 for _ in range(PARKED)]
        await asyncio.sleep(1.5)  # let them park
        keys = await client.get("/v1/keys")
        still_parked = sum(not poll.done() for poll in polls)
        for poll in polls:
            poll.cancel()
        await asyncio.gather(*polls, return_exceptions=True)
    return keys.status_code, still_parked


def test_a_plain_call_is_answered_while_more_long_polls_than_threads_are_parked(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    cursor = kiosk.changes("BJ001").cursor
    _, token = sim.admin.add_kiosk("BJ001")
    status, still_parked = asyncio.run(_plain_call_beside_parked_polls(sim.url, token, cursor))
    assert status == 200
    assert still_parked == PARKED


async def _park_then_hang_up(url: str, token: str, cursor: str, sim: Sim) -> tuple[int, int]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        polls = [asyncio.create_task(client.get("/v1/branches/BJ001/changes", params={"cursor": cursor, "wait": 30}))
                 for _ in range(5)]
        await asyncio.sleep(1.0)
        parked = sim.admin.stats()["long_polls_parked"]
        for poll in polls:
            poll.cancel()
        await asyncio.gather(*polls, return_exceptions=True)
    for _ in range(100):  # well inside the polls' 30 s wait
        if sim.admin.stats()["long_polls_parked"] == 0:
            break
        await asyncio.sleep(0.1)
    return parked, sim.admin.stats()["long_polls_parked"]


def test_a_kiosk_that_hangs_up_leaves_no_parked_long_poll_behind(sim: Sim) -> None:
    kiosk = sim.client("BJ001")
    cursor = kiosk.changes("BJ001").cursor
    _, token = sim.admin.add_kiosk("BJ001")
    parked, left = asyncio.run(_park_then_hang_up(sim.url, token, cursor, sim))
    assert parked == 5 and left == 0
