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
