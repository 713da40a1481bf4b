"""Typed errors of the central service client: one per thing a caller does differently.

`requests` exceptions and HTTP statuses are translated here once; callers never see a requests type.
Every error carries the HTTP `status` (None for network failures) and the parsed RFC 9457 `problem`, when
the service sent a valid one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from central_api_client.models import Problem

PROBLEM_BASE = "https://central.bank.example/problems/"


class CentralError(Exception):
    """The central service call failed."""

    def __init__(self, message: str = "", *, status: int | None = None, problem: Problem | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        self.status = status
        self.problem = problem

    @property
    def problem_type(self) -> str | None:
        """The problem's stable slug (e.g. "cursor-too-old"), or None without a problem body."""
        if self.problem is None:
            return None
        return self.problem.type.removeprefix(PROBLEM_BASE)


class Unauthorized(CentralError):
    """The service does not know this kiosk's credentials (401)."""


class Forbidden(CentralError):
    """The kiosk is known but may not do this, e.g. another branch (403)."""


class NotFound(CentralError):
    """No such object in this kiosk's branch (404)."""


class Conflict(CentralError):
    """The object's state forbids the call: already redeemed, Class I exists, code used (409)."""


class Gone(CentralError):
    """The object is gone, e.g. an expired walk-in session (410)."""


class CursorTooOld(Gone):
    """The feed cursor is older than the tombstone horizon: resync from the snapshot (410)."""


class Rejected(CentralError):
    """The service refused the request for good; repeating it will not help (400, 413, 415, 422)."""


class IdempotencyKeyReused(Rejected):
    """The idempotency key was used before with another body (422)."""


class Unavailable(CentralError):
    """The service could not be reached or answered, after retries (network, timeout, 429, 5xx)."""

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ProtocolError(CentralError):
    """The service answered with a body that breaks the contract; nothing of it may be used."""


_BY_STATUS: dict[int, type[CentralError]] = {
    400: Rejected,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    410: Gone,
    413: Rejected,
    415: Rejected,
    422: Rejected,
    429: Unavailable,
}


def error_class(status: int, problem_type: str | None) -> type[CentralError]:
    """The exception class for an error status and problem slug."""
    if status == 410 and problem_type == "cursor-too-old":
        return CursorTooOld
    if status == 422 and problem_type == "idempotency-key-reused":
        return IdempotencyKeyReused
    if status >= 500:
        return Unavailable
    return _BY_STATUS.get(status, Rejected if status < 500 else Unavailable)
