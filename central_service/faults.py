"""The fault mode: per-route latency, 5xx, 429 + Retry-After, dropped connections, truncated or broken bodies.

Why ASGI middleware: faults must look like the network and the service misbehaving, not like the app
answering differently, so they act around the app. A fault is armed for the next `times` requests of a route
(an operationId such as "getChanges", or "*" for all), so tests script it without timers. `after=True` lets
the request reach the app first (its effect is applied) and then loses or damages the answer, which is what
idempotency keys are for. A drop closes the connection without a byte: ASGI has no call for that, so the
middleware sits outermost (see app.CentralApp) where `send` is uvicorn's own request cycle and closes its
transport; under another server it falls back to headers with a body that never comes.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KINDS = frozenset({"latency", "error", "throttle", "drop", "truncate", "garbage"})


@dataclass(frozen=True)
class Fault:
    """What to do to the next `times` requests of a route (None: every request until cleared)."""

    kind: str
    times: int | None = 1
    latency_s: float = 0.0
    status: int = 503
    retry_after: int = 1
    after: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {sorted(KINDS)}")
        if not 0 <= self.latency_s <= 60 or not 500 <= self.status <= 599 or not 0 <= self.retry_after <= 3600:
            raise ValueError("fault parameters out of range")


class FaultBook:
    """The armed faults by route; thread-safe, counts what it did."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[str, Fault] = {}
        self.fired: dict[str, int] = {}

    def arm(self, route: str, fault: Fault) -> None:
        with self._lock:
            self._faults[route] = fault

    def clear(self, route: str | None = None) -> None:
        with self._lock:
            if route is None:
                self._faults.clear()
            else:
                self._faults.pop(route, None)

    def armed(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {route: asdict(fault) for route, fault in self._faults.items()}

    def take(self, route: str | None) -> Fault | None:
        """The fault for this request, if any, spending one of its `times`."""
        with self._lock:
            name = route if route in self._faults else "*" if "*" in self._faults else None
            if name is None or route is None:
                return None
            fault = self._faults[name]
            if fault.times is not None:
                if fault.times <= 1:
                    del self._faults[name]
                else:
                    self._faults[name] = replace(fault, times=fault.times - 1)
            self.fired[fault.kind] = self.fired.get(fault.kind, 0) + 1
            return fault


def _problem(status: int, slug: str, extra: list[tuple[bytes, bytes]]) -> tuple[Message, Message]:
    body = json.dumps({"type": f"https://central.bank.example/problems/{slug}", "title": "Injected fault",
                       "status": status}).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    return ({"type": "http.response.start", "status": status, "headers": headers + extra},
            {"type": "http.response.body", "body": body})


class FaultMiddleware:
    """Wraps the ASGI app; `route_of(scope)` names the route (operationId) of a request."""

    def __init__(self, app: ASGIApp, book: FaultBook, route_of: Callable[[Scope], str | None]) -> None:
        self.app, self.book, self.route_of = app, book, route_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/admin", "/healthz", "/readyz")):
            await self.app(scope, receive, send)
            return
        fault = self.book.take(self.route_of(scope))
        if fault is None:
            await self.app(scope, receive, send)
        elif fault.kind == "latency":
            await asyncio.sleep(fault.latency_s)
            await self.app(scope, receive, send)
        elif fault.kind in ("error", "throttle"):
            status, slug = (429, "too-many-requests") if fault.kind == "throttle" else (fault.status,
                                                                                        "service-unavailable")
            for message in _problem(status, slug, [(b"retry-after", str(fault.retry_after).encode())]):
                await send(message)
        elif fault.kind == "drop" and not fault.after:
            await _drop(send)
        else:
            await self._around(fault, scope, receive, send)

    async def _around(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the app (its effect happens), then lose or damage the answer."""
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
        if fault.kind == "drop":
            await _drop(send)
        elif fault.kind == "garbage":
            garbage = b'{"unexpected": "this body breaks the contract"}'
            headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
            await send({"type": "http.response.start", "status": 200, "headers": [
                *headers, (b"content-type", b"application/json"), (b"content-length", str(len(garbage)).encode())]})
            await send({"type": "http.response.body", "body": garbage})
        else:
            await _cut(send, start["status"], headers, body[: max(1, len(body) // 2)], len(body))


async def _cut(send: Send, status: int, headers: list[tuple[bytes, bytes]], part: bytes, length: int) -> None:
    """Promise `length` bytes, send `part`, and stop: uvicorn closes the connection on an unfinished answer."""
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(length).encode())]})
    await send({"type": "http.response.body", "body": part, "more_body": True})


async def _drop(send: Send) -> None:
    """Close the connection without answering (uvicorn's transport), else cut an answer after its headers."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        await _cut(send, 200, [(b"content-type", b"application/json")], b"", 64)
        return
    transport.close()
    for _ in range(3):  # let connection_lost run, so uvicorn knows the client is gone and writes nothing
        await asyncio.sleep(0)
