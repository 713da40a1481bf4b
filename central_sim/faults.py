"""The fault mode: per-route latency, 5xx, 429 + Retry-After, dropped connections, truncated or broken bodies.

Why WSGI middleware: faults must look like the network and the service misbehaving, not like the app
answering differently, so they act around the app. A fault is armed for the next `times` requests of a route
(an operationId such as "getChanges", or "*" for all), so tests script it without timers. `after=True` lets
the request reach the app first (its effect is applied) and then loses or damages the answer, which is what
idempotency keys are for. Dropping needs waitress: the middleware raises its ClientDisconnected, and waitress
closes the socket without writing a byte.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from waitress.channel import ClientDisconnected

KINDS = frozenset({"latency", "error", "throttle", "drop", "truncate", "garbage"})
StartResponse = Callable[..., Any]


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


def _problem(status: int, slug: str, extra: list[tuple[str, str]] | None = None) -> tuple[str, list, bytes]:
    body = json.dumps({"type": f"https://central.bank.example/problems/{slug}", "title": "Injected fault",
                       "status": status}).encode()
    headers = [("Content-Type", "application/problem+json"), ("Content-Length", str(len(body)))]
    return f"{status} Fault", headers + (extra or []), body


class FaultMiddleware:
    """Wraps the Flask WSGI app; `route_of(environ)` names the route (operationId) of a request."""

    def __init__(self, app: Callable[..., Iterable[bytes]], book: FaultBook,
                 route_of: Callable[[dict[str, Any]], str | None]) -> None:
        self.app, self.book, self.route_of = app, book, route_of

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        fault = None if path.startswith("/admin") else self.book.take(self.route_of(environ))
        if fault is None:
            return self.app(environ, start_response)
        if fault.kind == "latency":
            time.sleep(fault.latency_s)
            return self.app(environ, start_response)
        if fault.kind in ("error", "throttle") or (fault.kind == "drop" and not fault.after):
            return self._instead(fault, start_response)
        return self._around(fault, environ, start_response)

    def _instead(self, fault: Fault, start_response: StartResponse) -> Iterable[bytes]:
        """Answer without calling the app."""
        if fault.kind == "drop":
            raise ClientDisconnected("fault: connection dropped before the request was handled")
        if fault.kind == "throttle":
            status, headers, body = _problem(429, "too-many-requests", [("Retry-After", str(fault.retry_after))])
        else:
            status, headers, body = _problem(fault.status, "service-unavailable",
                                             [("Retry-After", str(fault.retry_after))])
        start_response(status, headers)
        return [body]

    def _around(self, fault: Fault, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Call the app (its effect happens), then lose or damage the answer."""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        if fault.kind == "drop":
            raise ClientDisconnected("fault: connection dropped after the request was applied")
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        if fault.kind == "garbage":
            body = b'{"unexpected": "this body breaks the contract"}'
            headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
            start_response("200 OK", [*headers, ("Content-Type", "application/json"),
                                      ("Content-Length", str(len(body)))])
            return [body]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body[: max(1, len(body) // 2)]]  # waitress sees too few bytes and closes the connection
