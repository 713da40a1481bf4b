"""The CRT-591 link layer: one serial port, the ACK/NAK/EOT exchange and its resend rules.

Host sends a command, the device ACKs, executes, answers, and the host ACKs the answer. The host resends when no
ACK comes within 300 ms, on NAK, and when an ACKed quick command shows no answer within 20 ms (never for
initialise and move, which run the motor). EOT aborts. Broken links raise `LinkError` subclasses; the command's
own deadline raises `DeviceTimeout`; the caller's cancel event raises `Cancelled` - three separate types.
"""

from __future__ import annotations

import collections
import logging
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import serial

from drivers.dispenser.protocol import (
    ACK,
    EOT,
    NAK,
    BadFrame,
    Command,
    ControlByte,
    Deframer,
    Frame,
    Response,
    Token,
    decode_response,
    encode_command,
)
from drivers.errors import Cancelled, DeviceError, DeviceTimeout, FramingError, LinkError

log = logging.getLogger(__name__)

Trace = Callable[[str, bytes], None]
"""A hook that sees every byte string on the wire: ("tx" | "rx", bytes)."""


class AckTimeout(LinkError):
    """The device did not acknowledge a command, even after it was resent."""


class NakRetriesExhausted(LinkError):
    """The device kept answering NAK to a command."""


class PortClosed(LinkError):
    """The serial port is missing, closed, or was unplugged."""


class _CancelRequested(Exception):
    """Internal: the caller's cancel event was set while waiting."""


@dataclass(frozen=True)
class LinkTimings:
    """The link's waits and resend limits (spec values by default)."""

    ack_timeout: float = 0.3
    reply_start_timeout: float = 0.02
    max_resends: int = 3
    read_slice: float = 0.01
    max_bad_frames: int = 3


class DispenserLink:
    """One serial port speaking the CRT-591 exchange; `transact` is the only way bytes cross it.

    Raises LinkError (PortClosed) from `open` if the port cannot be opened.
    """

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        *,
        timings: LinkTimings | None = None,
        trace: Trace | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timings = timings or LinkTimings()
        self.trace = trace
        self._clock = clock
        self._port: serial.SerialBase | None = None
        self._deframer = Deframer()
        self._tokens: collections.deque[Token] = collections.deque()
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def open(self) -> None:
        """Open the port (8N1, as the spec says). Raises PortClosed if it cannot be opened."""
        if self._port is not None:
            return
        try:
            self._port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, bytesize=8, parity="N", stopbits=1,
                timeout=self.timings.read_slice, write_timeout=2.0,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortClosed(f"cannot open {self.url}: {exc}") from exc

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                log.debug("error while closing %s", self.url, exc_info=True)

    def transact(self, command: Command, timeout: float, cancel: threading.Event | None = None) -> Response:
        """Send `command`, follow the resend rules, and return the device's answer (already ACKed).

        Raises AckTimeout, NakRetriesExhausted or PortClosed for a broken link, DeviceTimeout when no answer
        comes before `timeout` seconds, Cancelled when `cancel` is set first, FramingError when the answer
        stays corrupt after NAKs.
        """
        with self._lock:
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled before sending")
            self._drain()
            try:
                return self._exchange(command, self._clock() + timeout, cancel)
            except _CancelRequested:
                return self._abort(command, Cancelled("cancelled by the caller"))

    # ------------------------------------------------------------ the exchange

    def _exchange(self, command: Command, deadline: float, cancel: threading.Event | None) -> Response:
        t = self.timings
        packet = encode_command(command)
        no_ack = naks = no_reply = 0
        while True:
            self._write(packet)
            reply = self._await_ack(command, self._clock() + t.ack_timeout, cancel)
            if isinstance(reply, Response):
                return reply
            if reply == NAK or reply is None:
                naks, no_ack = naks + (reply == NAK), no_ack + (reply is None)
                self._check_resend(naks, no_ack, command)
                continue
            patient = command.long_running or no_reply >= t.max_resends
            start_by = None if patient else self._clock() + t.reply_start_timeout
            response = self._await_response(command, deadline, start_by, cancel)
            if response is not None:
                return response
            if self._clock() >= deadline:
                return self._abort(command, DeviceTimeout(f"no answer to CM {command.cm:02X} in time"))
            no_reply += 1
            log.debug("ACK but no answer to CM %02X within %.3fs: resending", command.cm, t.reply_start_timeout)

    def _check_resend(self, naks: int, no_ack: int, command: Command) -> None:
        limit = self.timings.max_resends
        if naks > limit:
            raise NakRetriesExhausted(f"CM {command.cm:02X} refused with NAK {naks} times", code="NAK")
        if no_ack > limit:
            raise AckTimeout(f"no ACK for CM {command.cm:02X} after {no_ack} sends", code="ACK")
        log.debug("resending CM %02X (naks=%d, no_ack=%d)", command.cm, naks, no_ack)

    def _await_ack(self, command: Command, until: float, cancel: threading.Event | None) -> int | Response | None:
        """ACK, NAK, a matching answer (an ACK lost on the way), or None when nothing came in time."""
        while (token := self._next_token(until, cancel)) is not None:
            if isinstance(token, ControlByte) and token.value in (ACK, NAK):
                return token.value
            if isinstance(token, Frame) and (response := self._matching(token, command)) is not None:
                self._write(bytes([ACK]))
                return response
        return None

    def _await_response(
        self, command: Command, deadline: float, start_by: float | None, cancel: threading.Event | None
    ) -> Response | None:
        """The answer (ACKed), or None when it did not start by `start_by` / finish by `deadline`."""
        bad = 0
        while True:
            until = deadline if start_by is None or self._deframer.in_frame else min(start_by, deadline)
            token = self._next_token(until, cancel)
            if token is None:
                if start_by is not None and not self._deframer.in_frame and self._clock() < deadline:
                    return None
                if self._clock() >= deadline:
                    return None
                continue
            if isinstance(token, BadFrame):
                bad += 1
                if bad > self.timings.max_bad_frames:
                    raise FramingError(f"answer still corrupt after {bad - 1} NAKs", raw=token.raw)
                self._write(bytes([NAK]))
            elif isinstance(token, Frame):
                start_by = None
                if (response := self._matching(token, command)) is not None:
                    self._write(bytes([ACK]))
                    return response

    def _matching(self, frame: Frame, command: Command) -> Response | None:
        """The decoded answer if it echoes our CM/PM and address; stale or foreign packets give None."""
        try:
            response = decode_response(frame.raw)
        except DeviceError as exc:
            log.warning("ignoring undecodable packet: %s", exc)
            return None
        if (response.cm, response.pm, response.address) != (command.cm, command.pm, command.address):
            log.debug("ignoring stale answer to CM %02X PM %02X", response.cm, response.pm)
            return None
        return response

    def _abort(self, command: Command, error: DeviceError) -> Response:
        """Send EOT (twice at most) and raise `error`; an answer that crossed the EOT is returned instead."""
        for _ in range(2):
            self._write(bytes([EOT]))
            until = self._clock() + self.timings.ack_timeout
            while (token := self._next_token(until, None)) is not None:
                if isinstance(token, ControlByte) and token.value == EOT:
                    raise error
                if isinstance(token, Frame) and (response := self._matching(token, command)) is not None:
                    self._write(bytes([ACK]))
                    return response
        raise error

    # ------------------------------------------------------------ bytes

    def _next_token(self, until: float, cancel: threading.Event | None) -> Token | None:
        while not self._tokens:
            if cancel is not None and cancel.is_set():
                raise _CancelRequested
            if self._clock() >= until:
                return None
            data = self._read()
            if data:
                self._tokens.extend(self._deframer.feed(data))
        return self._tokens.popleft()

    def _port_or_raise(self) -> serial.SerialBase:
        if self._port is None:
            raise PortClosed(f"port {self.url} is not open")
        return self._port

    def _read(self) -> bytes:
        port = self._port_or_raise()
        try:
            data = port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PortClosed(f"{self.url}: {exc}") from exc
        if data and self.trace:
            self.trace("rx", data)
        return data

    def _write(self, data: bytes) -> None:
        port = self._port_or_raise()
        if self.trace:
            self.trace("tx", data)
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise PortClosed(f"{self.url}: {exc}") from exc

    def _drain(self) -> None:
        """Forget bytes left from an earlier exchange (a late duplicate answer, a half packet)."""
        port = self._port_or_raise()
        try:
            port.reset_input_buffer()
        except (serial.SerialException, OSError, termios.error) as exc:
            self.close()
            raise PortClosed(f"{self.url}: {exc}") from exc
        self._tokens.clear()
        self._deframer.reset()
