"""The request plumbing every route shares: problems, JSON bodies checked against the contract, kiosk auth,
idempotency keys.

Why here and not in each view: the security rules (who may call, what body is acceptable, which answers are
replayed) must be the same for every route, and checked in the same order (auth, media type, JSON, schema,
key) before a view writes anything.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import Response, current_app, g, request
from openapi_schema_validator import OAS31Validator, oas31_format_checker

from central_api_client.checksum import fingerprint, loads
from central_api_client.errors import PROBLEM_BASE
from central_sim.store import Store

SPEC_PATH = Path(__file__).resolve().parent.parent / "central_api_client" / "openapi.yaml"
STORED_ERRORS = frozenset({409, 422})  # business answers a repeat must get again; others may change
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 410: "Gone", 413: "Payload too large", 415: "Unsupported media type",
    422: "Unprocessable request", 429: "Too many requests", 500: "Internal error", 502: "Bad gateway",
    503: "Service unavailable", 504: "Gateway timeout",
}


@functools.lru_cache(maxsize=4)
def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """The parsed contract (cached: the file does not change while a process runs; treat it as read-only)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


class ApiError(Exception):
    """An answer as an RFC 9457 problem; `slug` is the stable end of its type URI."""

    def __init__(self, status: int, slug: str, detail: str | None = None, *,
                 errors: list[dict[str, str]] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {slug}")
        self.status, self.slug, self.detail, self.errors = status, slug, detail, errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        problem: dict[str, Any] = {"type": PROBLEM_BASE + self.slug, "title": TITLES.get(self.status, "Error"),
                                   "status": self.status}
        if self.detail:
            problem["detail"] = self.detail
        if self.errors:
            problem["errors"] = self.errors
        return problem

    def response(self) -> Response:
        return json_response(self.status, self.body(), self.headers)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None, *, raw: str | None = None
) -> Response:
    """A JSON answer; problems (4xx/5xx) get application/problem+json."""
    mimetype = "application/problem+json" if status >= 400 else "application/json"
    response = Response(raw if raw is not None else dumps(payload), status=status, mimetype=mimetype)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


@dataclass
class Schemas:
    """Validators for the contract's component schemas, built once per app."""

    spec: dict[str, Any]
    _cache: dict[str, OAS31Validator] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Schemas:
        return cls(load_spec(path))

    def check(self, name: str, value: Any) -> list[dict[str, str]]:
        """The schema violations of `value`, as problem `errors` naming the rule but never the input."""
        if name not in self._cache:
            root = {"$ref": f"#/components/schemas/{name}", "components": self.spec["components"]}
            self._cache[name] = OAS31Validator(root, format_checker=oas31_format_checker)
        found = []
        for error in self._cache[name].iter_errors(value):
            where = "/" + "/".join(str(p) for p in error.absolute_path)
            found.append({"location": "body" + (where if where != "/" else ""),
                          "message": f"violates '{error.validator}'"})
        return found[:20]


def central() -> Any:
    """The app's `Central` (see app.py)."""
    return current_app.config["CENTRAL"]


def json_body(schema: str) -> Any:
    """The request's JSON body, valid against `schema`. Raises ApiError 415 or 400."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported-media-type", "send application/json")
    raw = request.get_data(cache=True)
    try:
        body = loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "malformed-json", "the body is not valid UTF-8 JSON") from None
    problems = central().schemas.check(schema, body)
    if problems:
        raise ApiError(400, "invalid-body", "the body breaks the contract", errors=problems)
    return body


def authenticate() -> None:
    """Set g.kiosk from the bearer token. Raises ApiError 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    kiosk = central().store.kiosk_by_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if kiosk is None:
        raise ApiError(401, "unauthorized", "unknown or missing kiosk credentials",
                       headers={"WWW-Authenticate": 'Bearer realm="central"'})
    g.kiosk = kiosk


def require_branch(branch_id: str) -> None:
    """Raises ApiError 403 unless the calling kiosk belongs to `branch_id`."""
    if not hmac.compare_digest(branch_id, g.kiosk.branch_id):
        raise ApiError(403, "wrong-branch", "this kiosk may only use its own branch")


View = Callable[..., tuple[int, Any]]


def kiosk_post(schema: str) -> Callable[[View], Callable[..., Response]]:
    """Wrap a POST view: body checked against `schema`, then applied once per Idempotency-Key and branch.

    The view gets the body and returns (status, payload); it raises ApiError before writing anything.
    """
    def decorate(view: View) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            key = request.headers.get("Idempotency-Key", "")
            if not 8 <= len(key) <= 128 or not set(key) <= _KEY_CHARS:
                raise ApiError(400, "idempotency-key-required", "send an Idempotency-Key header")
            body = json_body(schema)
            return _apply_once(view, key, body, kwargs)
        return wrapper
    return decorate


def _apply_once(view: View, key: str, body: Any, kwargs: dict[str, Any]) -> Response:
    store: Store = central().store
    branch = g.kiosk.branch_id
    print_ = fingerprint({"path": request.path, "body": body})
    outcome: ApiError | tuple[int, Any]
    with store.tx():
        stored = store.answer_for(branch, key)
        if stored is None:
            try:
                outcome = view(body, **kwargs)
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
