"""RFC 9457 problem answers and JSON responses: one owner for the error shape every route returns."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

from central_api_client.errors import PROBLEM_BASE

TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 410: "Gone", 413: "Payload too large", 415: "Unsupported media type",
    422: "Unprocessable request", 429: "Too many requests", 500: "Internal error", 502: "Bad gateway",
    503: "Service unavailable", 504: "Gateway timeout",
}


def dumps(value: Any) -> str:
    """Compact, sorted, non-ASCII-preserving JSON (the contract's canonical form)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None, *,
                  raw: str | None = None) -> Response:
    """A JSON answer; problems (4xx/5xx) get application/problem+json."""
    media = "application/problem+json" if status >= 400 else "application/json"
    text = raw if raw is not None else dumps(payload)
    return Response(text.encode("utf-8"), status_code=status, media_type=media, headers=headers)
