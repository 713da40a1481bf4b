"""The sync agent's one seam to the central service: client models in, the agent's own types out.

Why a seam: the pull and push loops reason about pages, tombstones and outcomes, not HTTP; every client
exception is translated here, once, into the few cases the loops act on (offline, cursor too old, damaged
page, rejected for good), and a page whose count or checksum does not match what was received never gets
past this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sync_agent.apply import FeedRow, Tombstone


class RemoteError(Exception):
    """Base of what the central service's answers mean to the agent."""

    retry_after_s: float | None = None
    slug: str | None = None  # the problem's stable slug when the service sent one (e.g. "payroll-not-ready")


class Offline(RemoteError):
    """The central service could not be reached or answered 5xx/429: retry later with backoff."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class CursorTooOld(RemoteError):
    """The stored cursor is beyond the tombstone horizon: a full resync from the snapshot is needed."""


class PageDamaged(RemoteError):
    """A page broke the contract (bad body, count or checksum mismatch): not applied; fetch it again."""


class Rejected(RemoteError):
    """The service refused the request for good (4xx other than auth): retrying the same bytes cannot help."""


class NotFound(RemoteError):
    """No such object for this kiosk (unknown token, or another branch's)."""


@dataclass(frozen=True)
class BranchState:
    count: int
    digest: str


@dataclass(frozen=True)
class FeedPage:
    rows: list[FeedRow]
    tombstones: list[Tombstone]
    cursor: str
    has_more: bool
    server_time: datetime
    branch_state: BranchState | None = None


@dataclass(frozen=True)
class SnapshotPage:
    rows: list[FeedRow]
    cursor: str
    next_page_token: str | None
    server_time: datetime


@dataclass(frozen=True)
class SnapshotChunk:
    """One verified block of the streamed snapshot, and the token that resumes the snapshot after it."""

    rows: list[FeedRow]
    resume_token: str
    last: bool


class SnapshotReader(Protocol):
    """An open streamed snapshot: its feed cursor, then its chunks in order; `close()` abandons it."""

    cursor: str
    server_time: datetime

    def chunks(self) -> Iterator[SnapshotChunk]: ...

    def quiet(self) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class EventOutcome:
    """The server's answer to one event: applied (first time or replayed) or rejected for good."""

    idempotency_key: str
    applied: bool
    replayed: bool = False
    answer: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


def _problem_text(exc: Exception) -> str:
    return str(exc)[:300] or type(exc).__name__


def translate(exc: Exception) -> RemoteError:
    """The agent's meaning of a client error (the one place client exceptions are interpreted)."""
    meaning = _meaning(exc)
    meaning.slug = getattr(exc, "problem_type", None)
    return meaning


def _meaning(exc: Exception) -> RemoteError:
    from central_api_client import errors

    if isinstance(exc, errors.CursorTooOld):
        return CursorTooOld(_problem_text(exc))
    if isinstance(exc, errors.Unavailable):
        return Offline(_problem_text(exc), exc.retry_after)
    if isinstance(exc, errors.Unauthorized | errors.Forbidden):
        return Offline(f"credentials refused: {_problem_text(exc)}", 60.0)
    if isinstance(exc, errors.ProtocolError):
        return PageDamaged(_problem_text(exc))
    if isinstance(exc, errors.NotFound):
        return NotFound(_problem_text(exc))
    return Rejected(_problem_text(exc))
