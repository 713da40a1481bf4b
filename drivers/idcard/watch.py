"""Waiting for a card: poll find, read a new card once, notice removal, ride out an unplugged reader.

A small state machine over the reader's commands, run lazily by iteration, so a test (or the flow's
worker thread) decides when the next poll happens and no timer scripts the behaviour.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drivers.errors import Cancelled, DeviceError, DeviceTimeout, LinkError
from drivers.idcard.document import IdentityDocument
from drivers.status import Completion, MediaState, Result

if TYPE_CHECKING:
    from drivers.idcard.driver import IdCardReader

log = logging.getLogger(__name__)


class CardEventKind(enum.Enum):
    """What happened on the reader."""

    PLACED = "placed"
    READ = "read"
    READ_FAILED = "readFailed"
    REMOVED = "removed"
    OFFLINE = "offline"
    ONLINE = "online"
    FAULT = "fault"  # the SAM answered find with an error other than "no card"


@dataclass(frozen=True)
class CardEvent:
    """One event of a watch; READ carries the document, READ_FAILED and FAULT the failed result."""

    kind: CardEventKind
    document: IdentityDocument | None = None
    result: Result[Any] | None = None
    detail: str = ""


class CardWatcher:
    """Iterate to poll: yields events until `cancel` is set or `timeout` passes."""

    def __init__(
        self,
        reader: IdCardReader,
        cancel: threading.Event,
        *,
        timeout: float | None = None,
        fingerprint: bool = False,
        appended_address: bool = False,
        read_cards: bool = True,
        read_attempts: int = 2,
    ) -> None:
        self._reader = reader
        self._cancel = cancel
        self._timeout = timeout
        self._read_options = {"fingerprint": fingerprint, "appended_address": appended_address}
        self._read_cards = read_cards
        self._read_attempts = read_attempts
        self._online: bool | None = None
        self._failures = 0
        self._misses = 0
        self._present = reader.media is MediaState.PRESENT and not read_cards
        self._attempts = 0
        self._done = False

    def __iter__(self) -> Iterator[CardEvent]:
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        while not self._cancel.is_set():
            yield from self._poll()
            pause = self._reader.poll_interval
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                pause = min(pause, left)
            if self._cancel.wait(pause):
                return

    def _poll(self) -> Iterator[CardEvent]:
        try:
            found = self._reader.find_card(self._cancel)
        except Cancelled:
            return
        except DeviceError as exc:
            yield from self._failed(exc)
            return
        if found.completion is Completion.CANCELED:
            return
        yield from self._answered()
        if found.ok:
            yield from self._card_present()
        elif found.error_code == "noMedia":
            yield from self._card_absent()
        else:
            yield CardEvent(CardEventKind.FAULT, result=found, detail=found.detail)

    def _answered(self) -> Iterator[CardEvent]:
        self._failures = 0
        if self._online is False:
            log.info("ID card reader back online")
            yield CardEvent(CardEventKind.ONLINE)
        self._online = True

    def _failed(self, exc: DeviceError) -> Iterator[CardEvent]:
        self._failures += 1
        if isinstance(exc, LinkError):
            self._reader.close()
        offline = isinstance(exc, LinkError) or self._failures >= self._reader.offline_after
        if offline and self._online is not False:
            log.warning("ID card reader offline: %s", exc)
            self._online = False
            self._present = False
            self._reader.media = MediaState.UNKNOWN
            yield CardEvent(CardEventKind.OFFLINE, detail=str(exc))

    def _card_present(self) -> Iterator[CardEvent]:
        self._misses = 0
        if not self._present:
            self._present, self._attempts, self._done = True, 0, False
            self._reader.media = MediaState.PRESENT
            yield CardEvent(CardEventKind.PLACED)
        if self._read_cards and not self._done and self._attempts < self._read_attempts:
            self._attempts += 1
            yield from self._read()

    def _read(self) -> Iterator[CardEvent]:
        try:
            result = self._reader.read_selected(**self._read_options, cancel=self._cancel)
        except Cancelled:
            return
        except LinkError as exc:
            yield from self._failed(exc)
            return
        except DeviceError as exc:  # timeout or bad bytes mid-read: report, try again on the next poll
            completion = Completion.TIMEOUT if isinstance(exc, DeviceTimeout) else Completion.INVALID_DATA
            failed: Result[Any] = Result(completion, exc.code, None, str(exc))
            yield CardEvent(CardEventKind.READ_FAILED, result=failed, detail=str(exc))
            return
        if result.completion is Completion.CANCELED:
            return
        if result.ok and result.value is not None:
            self._done = True
            yield CardEvent(CardEventKind.READ, document=result.value)
        else:
            yield CardEvent(CardEventKind.READ_FAILED, result=result, detail=result.detail)

    def _card_absent(self) -> Iterator[CardEvent]:
        if not self._present:
            self._reader.media = MediaState.NOT_PRESENT
            return
        self._misses += 1
        if self._misses >= self._reader.removal_polls:
            self._present = False
            self._reader.media = MediaState.NOT_PRESENT
            yield CardEvent(CardEventKind.REMOVED)
