"""ChipReader: reads a UnionPay PBOC card in one named PC/SC reader through pcscd (pyscard's scard layer).

PC/SC return codes are translated once, here, into the typed errors of `drivers.chip.errors`. pcscd calls
can block without end (vpcd waits for a card's answer with no timeout), so a read runs on a worker thread
and the caller waits at most card_timeout + read_timeout; a card that outlasts that is reported mute.
A ChipReader serves one read at a time (one IC station, one caller).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from smartcard import scard

from drivers.chip import protocol as p
from drivers.chip.emv import ApduChannel, ChipCardData, Tracer, read_card_data
from drivers.chip.errors import (
    Cancelled,
    CardAbsent,
    CardDataError,
    CardRemoved,
    CardStatusError,
    MuteCard,
    PcscUnavailable,
    ReaderNotFound,
    TlvError,
    WrongApplication,
)
from drivers.errors import DeviceError, LinkError
from drivers.status import Completion, DeviceState, DeviceStatus, MediaState, Result

log = logging.getLogger(__name__)

_POLL = 0.1  # seconds between cancellation checks while waiting for a card or a worker
_NO_SERVICE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_NO_READERS_AVAILABLE}
_GONE = {scard.SCARD_W_REMOVED_CARD, scard.SCARD_E_NO_SMARTCARD}
_MUTE = {scard.SCARD_W_UNRESPONSIVE_CARD, scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_W_UNSUPPORTED_CARD}

# Card problems that read_card() reports as results: (completion, class error code).
OUTCOMES: dict[type[DeviceError], tuple[Completion, str]] = {
    CardRemoved: (Completion.COMMAND_ERROR, "noMedia"),
    CardAbsent: (Completion.TIMEOUT, "noMedia"),
    MuteCard: (Completion.COMMAND_ERROR, "noAnswer"),
    WrongApplication: (Completion.COMMAND_ERROR, "noApplication"),
    CardStatusError: (Completion.COMMAND_ERROR, "invalidMedia"),
    TlvError: (Completion.COMMAND_ERROR, "invalidData"),
    CardDataError: (Completion.COMMAND_ERROR, "invalidData"),
    Cancelled: (Completion.CANCELED, "canceled"),
}


def _code(rv: int) -> str:
    return f"0x{rv & 0xFFFFFFFF:08X}"


@dataclass
class _Outcome:
    value: ChipCardData | None = None
    error: BaseException | None = None
    connected_at: float | None = None  # monotonic time the card was connected: read_timeout starts here


class ChipReader:
    """One PC/SC reader by name (e.g. "Virtual PCD 00 00"), reading the card's PAN, expiry, PSN and label.

    `card_timeout`: how long a read waits for a card to appear; `read_timeout`: how long the card may take
    to answer the whole APDU sequence. `trace(command, response)` sees every APDU, unmasked: mask in it.
    """

    def __init__(
        self,
        reader: str,
        *,
        card_timeout: float = 5.0,
        read_timeout: float = 5.0,
        aids: tuple[bytes, ...] = p.UNIONPAY_AIDS,
        trace: Tracer | None = None,
    ) -> None:
        self.reader = reader
        self.card_timeout = card_timeout
        self.read_timeout = read_timeout
        self.aids = aids
        self.trace = trace
        self.last_exchanges = 0  # raw APDU round trips of the last read
        self._worker: _Worker | None = None

    def __repr__(self) -> str:
        return f"ChipReader({self.reader!r}, card_timeout={self.card_timeout}, read_timeout={self.read_timeout})"

    # --- public API --------------------------------------------------------------------------------
    def read_card(self, *, card_timeout: float | None = None, cancel: threading.Event | None = None) -> Result:
        """Read the card as a Result: card problems become completions + codes (see OUTCOMES).

        Raises PcscUnavailable / ReaderNotFound / LinkError for a broken PC/SC link.
        """
        try:
            return Result.success(self.read(card_timeout=card_timeout, cancel=cancel))
        except LinkError:
            raise
        except tuple(OUTCOMES) as exc:
            completion, code = next(v for k, v in OUTCOMES.items() if isinstance(exc, k))
            if isinstance(exc, WrongApplication | MuteCard) and exc.code:
                code = exc.code  # noApplication/applicationBlocked, atrNotObtained/noAnswer
            log.info("chip read on %r: %s (%s)", self.reader, code, type(exc).__name__)
            return Result(completion, code, None, f"{type(exc).__name__}: {exc}")

    def read(self, *, card_timeout: float | None = None, cancel: threading.Event | None = None) -> ChipCardData:
        """Wait for a card, read it, and return its data.

        Raises CardAbsent (no card in time), CardRemoved, MuteCard (no ATR, or no answer within
        read_timeout), WrongApplication, CardStatusError, TlvError, CardDataError, Cancelled, and
        PcscUnavailable / ReaderNotFound / LinkError for the link.
        """
        wait = self.card_timeout if card_timeout is None else card_timeout
        stop = threading.Event()
        outcome = _Outcome()
        if self._worker is None:
            self._worker = _Worker()
        done = self._worker.submit(lambda: self._work(wait, stop, outcome))
        card_deadline = time.monotonic() + wait + self.read_timeout  # pcscd itself may hang before connect
        while not done.wait(_POLL):
            if cancel is not None and cancel.is_set():
                self._abandon(stop)
                raise Cancelled("read cancelled by the caller", code="canceled")
            started = outcome.connected_at
            if time.monotonic() >= (card_deadline if started is None else started + self.read_timeout):
                self._abandon(stop)
                raise MuteCard(f"card did not answer within {self.read_timeout:.1f} s", code="noAnswer")
        if outcome.error is not None:
            raise outcome.error
        assert outcome.value is not None
        return outcome.value

    def status(self) -> DeviceStatus:
        """Device and media state for `kiosk doctor`; never raises."""
        try:
            with _Context() as ctx:
                if self.reader not in ctx.readers():
                    return DeviceStatus(DeviceState.NO_DEVICE, {"reader": self.reader, "error": "noReader"})
                state, _ = ctx.reader_state(self.reader, scard.SCARD_STATE_UNAWARE, 0)
        except LinkError as exc:
            return DeviceStatus(DeviceState.OFFLINE, {"reader": self.reader, "error": exc.code or "link"})
        media = MediaState.PRESENT if state & scard.SCARD_STATE_PRESENT else MediaState.NOT_PRESENT
        chip = "noCard"
        if state & scard.SCARD_STATE_MUTE:
            chip = "hardwareError"
        elif state & scard.SCARD_STATE_PRESENT:
            chip = "online" if state & scard.SCARD_STATE_INUSE else "poweredOff"
        return DeviceStatus(DeviceState.ONLINE, {"reader": self.reader, "media": media.value, "chipPower": chip})

    def close(self) -> None:
        """Stop the reader's worker thread (a later read starts a new one)."""
        if self._worker is not None:
            self._worker.retire()
            self._worker = None

    def __enter__(self) -> ChipReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- worker ------------------------------------------------------------------------------------
    def _abandon(self, stop: threading.Event) -> None:
        """Leave a read that may be stuck inside pcscd to finish on its own thread; the next read gets a new one."""
        stop.set()
        self.close()

    def _work(self, wait: float, stop: threading.Event, outcome: _Outcome) -> None:
        try:
            with _Context() as ctx:
                if self.reader not in ctx.readers():
                    raise ReaderNotFound(f"pcscd has no reader {self.reader!r}", code="noReader")
                ctx.wait_for_card(self.reader, wait, stop)
                with ctx.connect(self.reader) as card:
                    outcome.connected_at = time.monotonic()
                    channel = ApduChannel(card.transmit, trace=self.trace, cancel=stop)
                    try:
                        outcome.value = read_card_data(channel, self.aids)
                    finally:
                        self.last_exchanges = channel.exchanges
        except BaseException as exc:  # handed to the waiting caller, who re-raises it
            outcome.error = exc


class _Worker:
    """A daemon thread running one read at a time: reused, because a thread start costs about as much as
    the whole APDU sequence; retired when a read hangs in pcscd, so the next read never queues behind it.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], None], threading.Event] | None] = queue.SimpleQueue()
        self._retired = False
        threading.Thread(target=self._run, name="chip-read", daemon=True).start()

    def submit(self, job: Callable[[], None]) -> threading.Event:
        done = threading.Event()
        self._jobs.put((job, done))
        return done

    def retire(self) -> None:
        self._retired = True
        self._jobs.put(None)

    def _run(self) -> None:
        while not self._retired and (item := self._jobs.get()) is not None:
            job, done = item
            try:
                job()
            finally:
                done.set()


class _Context:
    """An SCARDCONTEXT with pyscard's return codes turned into typed errors."""

    def __enter__(self) -> _Context:
        rv, self.handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if rv != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"no pcscd: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))
        return self

    def __exit__(self, *exc: object) -> None:
        scard.SCardReleaseContext(self.handle)

    def readers(self) -> list[str]:
        rv, names = scard.SCardListReaders(self.handle, [])
        if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rv != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"cannot list readers: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))
        return list(names)

    def reader_state(self, reader: str, known: int, timeout_ms: int) -> tuple[int, int]:
        """(event state, return code) of one reader; SCARD_E_TIMEOUT comes back as a code, not an error."""
        rv, states = scard.SCardGetStatusChange(self.handle, timeout_ms, [(reader, known)])
        if rv in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
            return states[0][1] & ~scard.SCARD_STATE_CHANGED, rv
        if rv == scard.SCARD_E_UNKNOWN_READER:
            raise ReaderNotFound(f"pcscd has no reader {reader!r}", code=_code(rv))
        if rv in _NO_SERVICE:
            raise PcscUnavailable(f"pcscd went away: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))
        raise LinkError(f"SCardGetStatusChange: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))

    def wait_for_card(self, reader: str, timeout: float, stop: threading.Event) -> None:
        """Return once a card is present. Raises CardAbsent after `timeout`, MuteCard, Cancelled."""
        deadline = time.monotonic() + timeout
        state, _ = self.reader_state(reader, scard.SCARD_STATE_UNAWARE, 0)
        while not state & (scard.SCARD_STATE_PRESENT | scard.SCARD_STATE_MUTE):
            remaining = deadline - time.monotonic()
            if stop.is_set():
                raise Cancelled("read cancelled", code="canceled")
            if remaining <= 0:
                raise CardAbsent(f"no card in {reader!r} within {timeout:.1f} s", code="noMedia")
            state, _ = self.reader_state(reader, state, int(min(remaining, _POLL) * 1000) or 1)
        if state & scard.SCARD_STATE_MUTE:
            raise MuteCard("card gives no ATR", code="atrNotObtained")

    def connect(self, reader: str) -> _Card:
        """Connect to the card, T=0 or T=1, whichever it offers. Raises CardAbsent, MuteCard, LinkError."""
        protocols = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        rv, handle, protocol = scard.SCardConnect(self.handle, reader, scard.SCARD_SHARE_SHARED, protocols)
        if rv in _GONE:
            raise CardRemoved("card left before it could be powered", code=_code(rv))
        if rv in _MUTE:
            raise MuteCard(f"card gives no usable ATR: {scard.SCardGetErrorMessage(rv)}", code="atrNotObtained")
        if rv != scard.SCARD_S_SUCCESS:
            raise LinkError(f"SCardConnect: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))
        return _Card(self, reader, handle, protocol)

    def failed_transaction(self, reader: str, rv: int) -> DeviceError:
        """Tell a card that left from one that stopped answering after SCardTransmit failed.

        pcscd notices a removal only on its next poll, so wait (event-driven, up to 1 s) for it.
        """
        state, _ = self.reader_state(reader, scard.SCARD_STATE_UNAWARE, 0)
        if state & scard.SCARD_STATE_PRESENT:
            state, _ = self.reader_state(reader, state, 1000)
        if state & scard.SCARD_STATE_PRESENT:
            return MuteCard(f"card stopped answering: {scard.SCardGetErrorMessage(rv)}", code="noAnswer")
        return CardRemoved("card left the reader during the read", code=_code(rv))


class _Card:
    """A connected card handle; `transmit` is the APDU seam the EMV sequence runs over."""

    def __init__(self, ctx: _Context, reader: str, handle: int, protocol: int) -> None:
        self.ctx, self.reader, self.handle, self.protocol = ctx, reader, handle, protocol

    def transmit(self, apdu: bytes) -> bytes:
        """Raw response APDU. Raises CardRemoved if the card left, MuteCard if it stopped answering,
        LinkError for other PC/SC failures.
        """
        rv, response = scard.SCardTransmit(self.handle, self.protocol, list(apdu))
        if rv == scard.SCARD_S_SUCCESS and response:
            return bytes(response)
        if rv == scard.SCARD_S_SUCCESS:  # no status word at all: the card or the reader lost the exchange
            raise self.ctx.failed_transaction(self.reader, scard.SCARD_E_NOT_TRANSACTED)
        if rv in _GONE or rv == scard.SCARD_W_RESET_CARD:
            raise CardRemoved("card left the reader during the read", code=_code(rv))
        if rv == scard.SCARD_E_NOT_TRANSACTED:
            raise self.ctx.failed_transaction(self.reader, rv)
        raise LinkError(f"SCardTransmit: {scard.SCardGetErrorMessage(rv)}", code=_code(rv))

    def __enter__(self) -> _Card:
        return self

    def __exit__(self, *exc: object) -> None:
        scard.SCardDisconnect(self.handle, scard.SCARD_LEAVE_CARD)
