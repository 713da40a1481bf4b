"""The request plumbing every kiosk route shares: kiosk auth, bodies checked against the contract,
idempotency keys, ASCII-only parameters.

Why here and not in each view: who may call, what body is acceptable and which answers are replayed must be
the same for every route and checked in the same order (auth, media type, JSON, schema, key) before a view
writes anything. Views are plain functions that run in Starlette's threadpool (sync SQLAlchemy Core); only
long-polls are coroutines.
"""

from __future__ import annotations

import asyncio
import hmac
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from central_api_client.checksum import fingerprint
from central_service.central import Central
from central_service.contract import parse_body
from central_service.problems import ApiError, dumps, json_response
from central_service.store import Kiosk
from central_service.tls import client_certificate
from central_service.tls import fingerprint as certificate_fingerprint

MAX_BODY = 4 * 1024 * 1024
STORED_ERRORS = frozenset({409, 422})  # business answers a repeat must get again; others may change
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")
_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Call:
    """One kiosk request as a view sees it."""

    central: Central
    kiosk: Kiosk
    request: Request

    @property
    def branch_id(self) -> str:
        return self.kiosk.branch_id

    def int_arg(self, name: str, default: int, low: int, high: int) -> int:
        """An integer query parameter: ASCII digits only. Raises ApiError 400."""
        value = self.request.query_params.get(name)
        if value is None:
            return default
        if not value or not set(value) <= _DIGITS or len(value) > 6 or not low <= int(value) <= high:
            raise ApiError(400, "invalid-parameter", f"{name} must be an integer in {low}..{high}",
                           errors=[{"location": f"query/{name}", "message": f"violates 'range {low}..{high}'"}])
        return int(value)

    async def wait_for_change(self, branch_id: str, generation: int, timeout: float) -> bool:
        """Park until the branch changes after `generation`, `timeout` s pass or the service stops; False if
        the kiosk hung up meanwhile (its long-poll then ends at once instead of holding on to the timeout)."""
        change = asyncio.ensure_future(self.central.hub.wait(branch_id, generation, timeout))
        gone = asyncio.ensure_future(_hung_up(self.request))
        try:
            await asyncio.wait({change, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            change.cancel()
            gone.cancel()
        return not (gone.done() and not gone.cancelled())

    def require_branch(self, branch_id: str) -> None:
        """Raises ApiError 403 unless the calling kiosk belongs to `branch_id` (any text compares safely)."""
        if not hmac.compare_digest(branch_id.encode("utf-8"), self.kiosk.branch_id.encode("utf-8")):
            raise ApiError(403, "wrong-branch", "this kiosk may only use its own branch")


async def _hung_up(request: Request) -> None:
    """Return once the client has disconnected (a GET has no body left to read, so the next message is that)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def central_of(request: Request) -> Central:
    return request.app.state.central


def same_text(given: str, expected: str) -> bool:
    """Constant-time comparison of any two texts (hmac wants bytes for non-ASCII)."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def authenticate(central: Central, request: Request) -> Kiosk:
    """The calling kiosk from its client certificate (mTLS) or, where allowed, its bearer token. Raises ApiError 401.

    A presented certificate chains to the enrolment CA (the TLS handshake checked that); here it must also be
    the one recorded for a kiosk that is not revoked, so revoking a kiosk refuses its next request.
    """
    cert = client_certificate(request.scope)
    if cert is not None:
        kiosk = central.store.kiosk_by_certificate(certificate_fingerprint(cert))
        if kiosk is None:
            raise ApiError(401, "unauthorized", "unknown or revoked kiosk certificate")
        return kiosk
    if central.require_client_cert:
        raise ApiError(401, "unauthorized", "this service requires the kiosk's client certificate")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    kiosk = central.store.kiosk_by_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if kiosk is None:
        raise ApiError(401, "unauthorized", "unknown or missing kiosk credentials",
                       headers={"WWW-Authenticate": 'Bearer realm="central"'})
    return kiosk


async def read_body(request: Request) -> bytes:
    """The raw body, at most MAX_BODY bytes. Raises ApiError 413."""
    declared = request.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, "payload-too-large", f"bodies are limited to {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "payload-too-large", f"bodies are limited to {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


PostView = Callable[..., tuple[int, Any]]
Endpoint = Callable[[Request], Awaitable[Response]]


def kiosk_post(schema: str) -> Callable[[PostView], Endpoint]:
    """Wrap a POST view: kiosk auth, body checked against `schema`, applied once per Idempotency-Key.

    The view gets (call, body, **path params) and returns (status, payload); it raises ApiError before
    writing anything.
    """
    def decorate(view: PostView) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            central = central_of(request)
            raw = await read_body(request)

            def handle() -> Response:
                kiosk = authenticate(central, request)
                key = request.headers.get("Idempotency-Key", "")
                if not 8 <= len(key) <= 128 or not set(key) <= _KEY_CHARS:
                    raise ApiError(400, "idempotency-key-required", "send an Idempotency-Key header")
                body = parse_body(raw, media_type(request), central.schemas, schema)
                return _apply_once(view, Call(central, kiosk, request), key, body)
            return await run_in_threadpool(handle)
        endpoint.__name__ = view.__name__
        endpoint.__doc__ = view.__doc__
        return endpoint
    return decorate


def kiosk_get(view: Callable[..., Any]) -> Endpoint:
    """Wrap a GET view (sync or async): kiosk auth, then the view with (call, **path params)."""
    is_async = inspect.iscoroutinefunction(view)

    async def endpoint(request: Request) -> Response:
        central = central_of(request)
        kiosk = await run_in_threadpool(authenticate, central, request)
        call = Call(central, kiosk, request)
        if is_async:
            return await view(call, **request.path_params)
        return await run_in_threadpool(view, call, **request.path_params)
    endpoint.__name__ = view.__name__
    return endpoint


def media_type(request: Request) -> str:
    """The request's media type, lowercased, without parameters."""
    return request.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _apply_once(view: PostView, call: Call, key: str, body: Any) -> Response:
    store = call.central.store
    branch = call.branch_id
    print_ = fingerprint({"path": call.request.url.path, "body": body})
    outcome: ApiError | tuple[int, Any]
    with store.db.tx():
        store.lock_key(branch, key)
        stored = store.answer_for(branch, key)
        if stored is None:
            try:
                outcome = view(call, body, **call.request.path_params)
            except ApiError as exc:
                if exc.status not in STORED_ERRORS:
                    raise
                outcome = exc
            status, payload = (outcome.status, outcome.body()) if isinstance(outcome, ApiError) else outcome
            store.store_answer(branch, key, print_, status, dumps(payload))
    if stored is not None:
        if not hmac.compare_digest(stored.fingerprint, print_):
            store.counters["key_conflicts"] += 1
            raise ApiError(422, "idempotency-key-reused", "this key was used with another request")
        store.counters["replays"] += 1
        return json_response(stored.status, None, {"Idempotent-Replayed": "true"}, raw=stored.body)
    if isinstance(outcome, ApiError):
        raise outcome
    return json_response(outcome[0], outcome[1])
