"""The ID card reader (SAM module on a serial port): commands in, typed results out.

Everything goes to the wire through one seam (`_transact`): open on demand, flush stale input, write one
frame, collect bytes until a frame is complete, a deadline passes or the caller cancels. Expected outcomes
(no card, select failed, SAM not authorised) come back as `Result`; a missing or unplugged port raises
LinkError, silence DeviceTimeout, bad bytes FramingError/ProtocolError.
"""

from __future__ import annotations

import logging
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import serial

from drivers.errors import Cancelled, DeviceError, DeviceTimeout, FramingError, LinkError
from drivers.idcard import protocol as p
from drivers.idcard.document import IdentityDocument, decode_address, parse_text_block
from drivers.idcard.protocol import CardRecord, Command, FrameDecoder, Response
from drivers.idcard.watch import CardEvent, CardEventKind, CardWatcher
from drivers.status import Completion, DeviceState, DeviceStatus, MediaState, Result

log = logging.getLogger(__name__)

Trace = Callable[[str, bytes], None]
SerialFactory = Callable[..., Any]
_READS = frozenset({Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT, Command.READ_ADDRESS})
_SLICE = 0.05  # longest single blocking read, so cancellation and deadlines are noticed promptly


@dataclass(frozen=True)
class DeviceCheck:
    """What `kiosk doctor` shows for the reader: common status and the SAM id when it could be read."""

    status: DeviceStatus
    sam_id: str | None

    def lines(self) -> list[str]:
        """Human-readable lines, e.g. ["status: online", "SAM id: 05.01-...", "port: /dev/ttyUSB0"]."""
        out = [f"status: {self.status.device.value}", f"SAM id: {self.sam_id or 'unavailable'}"]
        return out + [f"{key}: {value}" for key, value in self.status.details.items()]


def _result(response: Response, value: Any = None) -> Result[Any]:
    outcome = response.outcome
    return Result(outcome.completion, outcome.error_code, value if outcome.completion is Completion.SUCCESS else None,
                  outcome.text)


class IdCardReader:
    """A SAM-module ID card reader on a serial port (or any `serial_for_url` URL).

    `command_timeout` bounds the short commands (status, SAM id, find, select), `read_timeout` the card reads;
    `poll_interval` is the pause between finds while waiting for a card. `trace`, if given, sees every byte
    sent ("tx") and received ("rx") — read responses hold personal data, so a trace must not go to a log.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        *,
        command_timeout: float = 0.5,
        read_timeout: float = 3.0,
        poll_interval: float = 0.25,
        removal_polls: int = 2,
        offline_after: int = 2,
        retries: int = 1,
        trace: Trace | None = None,
        serial_factory: SerialFactory = serial.serial_for_url,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.poll_interval = poll_interval
        self.removal_polls = removal_polls
        self.offline_after = offline_after
        self.retries = retries
        self._trace = trace
        self._factory = serial_factory
        self._serial: Any = None
        self._decoder = FrameDecoder()
        self._lock = threading.Lock()
        self.media = MediaState.UNKNOWN

    # --- link -------------------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the port if it is not open. Raises LinkError if it cannot be opened."""
        if self._serial is not None:
            return
        try:
            self._serial = self._factory(self.port, baudrate=self.baudrate, timeout=_SLICE,
                                         write_timeout=self.command_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise LinkError(f"cannot open ID card reader port {self.port}: {exc}", code="open") from exc
        self._decoder.reset()
        log.info("ID card reader port %s open", self.port)

    def close(self) -> None:
        """Close the port; the next command reopens it."""
        ser, self._serial = self._serial, None
        if ser is not None:
            try:
                ser.close()
            except (serial.SerialException, OSError, termios.error):
                log.debug("closing %s failed", self.port, exc_info=True)

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def __enter__(self) -> IdCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the one seam to the wire ---------------------------------------------------------------------------
    def _transact(self, command: Command, timeout: float, cancel: threading.Event | None) -> Response:
        """Send one command and return its response, resending once after line noise.

        Raises LinkError, DeviceTimeout, FramingError, ProtocolError or Cancelled.
        """
        if not self._lock.acquire(timeout=self.read_timeout + timeout):
            raise DeviceTimeout("ID card reader busy with another command", code="busy")
        try:
            for attempt in range(self.retries + 1):
                last = attempt == self.retries
                try:
                    response = self._exchange(command, timeout, cancel)
                except FramingError:
                    if last:
                        raise
                    log.warning("bad frame in answer to %s, resending", command.name)
                    continue
                if response.sw3 in p.RETRYABLE_SW3 and not last:
                    log.warning("SAM says %s for %s, resending", response.outcome.error_code, command.name)
                    continue
                return response
            raise AssertionError("unreachable")
        finally:
            self._lock.release()

    def _exchange(self, command: Command, timeout: float, cancel: threading.Event | None) -> Response:
        self.open()
        frame = p.encode_command(command.cmd, command.para)
        try:
            self._serial.reset_input_buffer()
            self._decoder.reset()
            self._serial.write(frame)
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise LinkError(f"writing to {self.port} failed: {exc}", code="write") from exc
        if self._trace:
            self._trace("tx", frame)
        response = self._receive(command, time.monotonic() + timeout, timeout, cancel).response()
        log.debug("%s -> SW3 %02X", command.name, response.sw3)
        return response

    def _receive(self, command: Command, deadline: float, timeout: float, cancel: threading.Event | None) -> p.Frame:
        while True:
            frame = self._decoder.next_frame()
            if frame is not None:
                return frame
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"{command.name} cancelled", code="cancelled")
            if time.monotonic() >= deadline:
                raise DeviceTimeout(f"no answer to {command.name} within {timeout:g} s", code="timeout")
            self._decoder.feed(self._read_chunk())

    def _read_chunk(self) -> bytes:
        try:
            chunk: bytes = self._serial.read(max(1, self._serial.in_waiting))
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise LinkError(f"reading from {self.port} failed: {exc}", code="read") from exc
        if chunk and self._trace:
            self._trace("rx", chunk)
        return chunk

    def _command(self, command: Command, cancel: threading.Event | None = None) -> Response | Result[Any]:
        """A response, or a CANCELED result when the caller cancelled."""
        timeout = self.read_timeout if command in _READS else self.command_timeout
        try:
            return self._transact(command, timeout, cancel)
        except Cancelled:
            return Result(Completion.CANCELED, None, None, f"{command.name} cancelled")

    # --- commands -----------------------------------------------------------------------------------------
    def sam_id(self, cancel: threading.Event | None = None, *, wide: bool = False) -> Result[str]:
        """The SAM module's printed id. Raises LinkError if the port is missing, DeviceTimeout on silence."""
        response = self._command(Command.READ_SAM_ID, cancel)
        if isinstance(response, Result):
            return response
        if response.outcome.completion is not Completion.SUCCESS:
            return _result(response)
        return _result(response, p.decode_sam_id(response.data, wide, response.raw))

    def reader_status(self, cancel: threading.Event | None = None) -> Result[None]:
        """The SAM's own status answer (11 FF). Raises LinkError, DeviceTimeout or FramingError."""
        response = self._command(Command.STATUS, cancel)
        return response if isinstance(response, Result) else _result(response)

    def status(self) -> DeviceStatus:
        """Common device status for `kiosk doctor` and the lobby screen; never raises for device trouble."""
        details = {"port": self.port, "media": self.media.value}
        try:
            result = self.reader_status()
        except LinkError as exc:
            return DeviceStatus(DeviceState.OFFLINE, details | {"error": str(exc)})
        except DeviceTimeout as exc:
            state = DeviceState.BUSY if exc.code == "busy" else DeviceState.OFFLINE
            return DeviceStatus(state, details | {"error": str(exc)})
        except DeviceError as exc:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, details | {"error": str(exc)})
        if result.ok:
            return DeviceStatus(DeviceState.ONLINE, details | {"sam": "ok"})
        failure = {"sam": result.error_code or "", "error": result.detail}
        return DeviceStatus(DeviceState.HARDWARE_ERROR, details | failure)

    def check(self) -> DeviceCheck:
        """Status and SAM id for `kiosk doctor`; never raises for device trouble (a missing port is offline)."""
        status = self.status()
        if status.device is not DeviceState.ONLINE:
            return DeviceCheck(status, None)
        try:
            result = self.sam_id()
        except DeviceError as exc:
            return DeviceCheck(DeviceStatus(DeviceState.HARDWARE_ERROR, status.details | {"error": str(exc)}), None)
        if not result.ok:
            failure = {"sam": result.error_code or "", "error": result.detail}
            return DeviceCheck(DeviceStatus(DeviceState.HARDWARE_ERROR, status.details | failure), None)
        return DeviceCheck(status, result.value)

    def find_card(self, cancel: threading.Event | None = None) -> Result[None]:
        """Is a card in the field? error_code "noMedia" when not. Raises LinkError/DeviceTimeout/FramingError."""
        response = self._command(Command.FIND_CARD, cancel)
        return response if isinstance(response, Result) else _result(response)

    def select_card(self, cancel: threading.Event | None = None) -> Result[None]:
        """Select the found card. Raises LinkError/DeviceTimeout/FramingError."""
        response = self._command(Command.SELECT_CARD, cancel)
        return response if isinstance(response, Result) else _result(response)

    def read_record(self, fingerprint: bool = False, cancel: threading.Event | None = None) -> Result[CardRecord]:
        """Read text + photo (+ fingerprint) of the selected card.

        Raises LinkError/DeviceTimeout/FramingError, ProtocolError if the data blocks are malformed.
        """
        command = Command.READ_TEXT_PHOTO_FINGERPRINT if fingerprint else Command.READ_TEXT_PHOTO
        response = self._command(command, cancel)
        if isinstance(response, Result):
            return response
        if response.sw3 != p.SW3_OK:
            return _result(response)
        return _result(response, p.decode_card_record(response.data, fingerprint, response.raw))

    def read_appended_address(self, cancel: threading.Event | None = None) -> Result[str]:
        """The latest appended address; success with value None when the card has none (SW3 91)."""
        response = self._command(Command.READ_ADDRESS, cancel)
        if isinstance(response, Result):
            return response
        if response.sw3 != p.SW3_OK:
            return _result(response)
        return _result(response, decode_address(response.data))

    def read_card(
        self, *, fingerprint: bool = False, appended_address: bool = False, cancel: threading.Event | None = None
    ) -> Result[IdentityDocument]:
        """Find, select and read the card on the reader into an `IdentityDocument` (not yet validated).

        Raises LinkError/DeviceTimeout/FramingError, ProtocolError (incl. TextBlockError) for bad data.
        """
        found = self.find_card(cancel)
        if not found.ok:
            self.media = MediaState.NOT_PRESENT if found.error_code == "noMedia" else self.media
            return Result(found.completion, found.error_code, None, found.detail)
        self.media = MediaState.PRESENT
        return self.read_selected(fingerprint=fingerprint, appended_address=appended_address, cancel=cancel)

    def read_selected(
        self, *, fingerprint: bool = False, appended_address: bool = False, cancel: threading.Event | None = None
    ) -> Result[IdentityDocument]:
        """Select and read a card already found. Raises as `read_card`."""
        selected = self.select_card(cancel)
        if not selected.ok:
            return Result(selected.completion, selected.error_code, None, selected.detail)
        record = self.read_record(fingerprint, cancel)
        if not record.ok or record.value is None:
            return Result(record.completion, record.error_code, None, record.detail)
        document = parse_text_block(record.value.text).with_extras(
            photo=record.value.photo, fingerprint=record.value.fingerprint
        )
        if appended_address:
            address = self.read_appended_address(cancel)
            if not address.ok:
                return Result(address.completion, address.error_code, None, address.detail)
            document = document.with_extras(appended_address=address.value)
        return Result.success(document)

    # --- waiting for a card ---------------------------------------------------------------------------------
    def watch(
        self,
        cancel: threading.Event,
        *,
        timeout: float | None = None,
        fingerprint: bool = False,
        appended_address: bool = False,
    ) -> Iterator[CardEvent]:
        """Poll for cards until `cancel` is set or `timeout` passes, yielding placed / read / read-failed /
        removed events, and offline / online when the reader goes away and comes back (the port is reopened).
        """
        return iter(CardWatcher(self, cancel, timeout=timeout, fingerprint=fingerprint,
                                appended_address=appended_address))

    def wait_for_card(
        self,
        cancel: threading.Event,
        *,
        timeout: float | None = None,
        on_event: Callable[[CardEvent], None] | None = None,
        fingerprint: bool = False,
        appended_address: bool = False,
    ) -> Result[IdentityDocument]:
        """Wait until a card is read; CANCELED or TIMEOUT result if that does not happen first."""
        for event in self.watch(cancel, timeout=timeout, fingerprint=fingerprint, appended_address=appended_address):
            if on_event is not None:
                on_event(event)
            if event.document is not None:
                return Result.success(event.document)
        if cancel.is_set():
            return Result(Completion.CANCELED, None, None, "wait for card cancelled")
        return Result(Completion.TIMEOUT, None, None, "no card read in time")

    def wait_for_removal(
        self,
        cancel: threading.Event,
        *,
        timeout: float | None = None,
        on_event: Callable[[CardEvent], None] | None = None,
    ) -> Result[None]:
        """Wait until the card on the reader is taken away (the kiosk asks the customer to take it back)."""
        if self.media is not MediaState.PRESENT:
            found = self.find_card(cancel)
            if found.completion is Completion.CANCELED:
                return Result(Completion.CANCELED, None, None, "wait for removal cancelled")
            if found.error_code == "noMedia":
                self.media = MediaState.NOT_PRESENT
                return Result.success(None)
            self.media = MediaState.PRESENT
        for event in CardWatcher(self, cancel, timeout=timeout, read_cards=False):
            if on_event is not None:
                on_event(event)
            if event.kind is CardEventKind.REMOVED:
                return Result.success(None)
        if cancel.is_set():
            return Result(Completion.CANCELED, None, None, "wait for removal cancelled")
        return Result(Completion.TIMEOUT, None, None, "card not taken in time")
