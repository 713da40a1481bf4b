"""The encrypting PIN pad driver: load keys, run PIN entry, read the encrypted PIN block.

The kiosk side of the pad only ever holds wrapped keys, key check values, key-press kinds and encrypted PIN
blocks; digits stay inside the pad. Expected outcomes (timeout, cancel, weak PIN, KCV mismatch, tamper) come
back as `Result`s; a broken or babbling line raises a `DeviceError`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from drivers.errors import DeviceTimeout, LinkError, ProtocolError
from drivers.pinpad.pinblock import Algorithm, kcv_matches
from drivers.pinpad.protocol import (
    BlockRequest,
    Cmd,
    EntryMode,
    EntryRequest,
    Frame,
    FrameDecoder,
    Key,
    LoadKeyRequest,
    PadState,
    Phase,
    completion_for,
    encode_frame,
)
from drivers.pinpad.weak_pin import ALL_RULES, WeakRule
from drivers.status import Completion, DeviceState, DeviceStatus, Result

log = logging.getLogger(__name__)

READ_SLICE_S = 0.05  # how often a waiting driver looks at its cancel event
SILENCE_GRACE_S = 5.0  # beyond the pad's own entry timeout before the driver gives up on a silent pad


@dataclass(frozen=True)
class KeyEvent:
    """A key was pressed on the pad; which digit is never known outside the pad."""

    key: Key


@dataclass(frozen=True)
class PhaseEvent:
    """The pad moved to a set-PIN phase (first entry, confirmation)."""

    phase: Phase


PadEvent = KeyEvent | PhaseEvent


@dataclass(frozen=True)
class WorkingKey:
    """A working key wrapped (ECB) under a master key already in the pad, plus the host's KCV for it."""

    master_slot: int
    key_slot: int
    algorithm: Algorithm
    wrapped_key: bytes = field(repr=False)
    kcv: bytes


@dataclass(frozen=True)
class EntryOutcome:
    """A finished PIN entry: how many digits (the pad's own count; digits themselves never leave it)."""

    digits: int


@dataclass(frozen=True)
class PinBlock:
    """An encrypted PIN block and the key that protects it (the block itself is kept out of reprs)."""

    algorithm: Algorithm
    key_slot: int
    block: bytes = field(repr=False)


class PinPad:
    """A PIN pad on a serial line (`port` is anything `serial.serial_for_url` opens: a path, a pty, a URL).

    Raises LinkError on open if the port cannot be opened.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        command_timeout: float = 2.0,
        entry_grace_s: float = SILENCE_GRACE_S,
        trace: Callable[[str, Frame], None] | None = None,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.entry_grace_s = entry_grace_s
        self._trace = trace
        self._serial: serial.SerialBase | None = None
        self._decoder = FrameDecoder()
        self._frames: deque[Frame] = deque()

    # ---- link -------------------------------------------------------------------------------------------

    def open(self) -> None:
        """Open the port.

        Raises LinkError if the port cannot be opened.
        """
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=READ_SLICE_S)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise LinkError(f"cannot open PIN pad port: {exc}", code="open") from exc

    def close(self) -> None:
        """Close the port (idempotent)."""
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def __enter__(self) -> PinPad:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, cmd: int, data: bytes = b"") -> None:
        if self._serial is None:
            self.open()
        assert self._serial is not None
        if self._trace:
            self._trace("tx", Frame(cmd, data))
        try:
            self._serial.write(encode_frame(cmd, data))
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"PIN pad write failed: {exc}", code="write") from exc

    def _next_frame(self, timeout: float) -> Frame | None:
        """The next frame from the pad, or None if none arrives within `timeout`.

        Raises LinkError if the port fails, FramingError/ChecksumError on bad bytes.
        """
        deadline = time.monotonic() + timeout
        while not self._frames:
            if time.monotonic() >= deadline:
                return None
            assert self._serial is not None
            try:
                chunk = self._serial.read(max(1, self._serial.in_waiting))
            except (serial.SerialException, OSError) as exc:
                raise LinkError(f"PIN pad read failed: {exc}", code="read") from exc
            self._frames.extend(self._decoder.feed(chunk))
        frame = self._frames.popleft()
        if self._trace:
            self._trace("rx", frame)
        return frame

    def _command(self, cmd: Cmd, data: bytes = b"") -> tuple[Completion, str | None, bytes]:
        """Send one command and wait for its reply; stray events from an earlier entry are dropped.

        Raises DeviceTimeout if the pad does not answer within `command_timeout`.
        """
        self._send(cmd, data)
        deadline = time.monotonic() + self.command_timeout
        while (left := deadline - time.monotonic()) > 0:
            frame = self._next_frame(left)
            if frame is None:
                break
            if frame.cmd == cmd:
                if not frame.data:
                    raise ProtocolError("reply without status", raw=encode_frame(frame.cmd), code="noStatus")
                completion, error = completion_for(frame.data[0])
                return completion, error, frame.data[1:]
            log.debug("dropping unsolicited %r while waiting for 0x%02X", frame, cmd)
        raise DeviceTimeout(f"PIN pad did not answer command 0x{cmd:02X}", code="timeout")

    # ---- commands ---------------------------------------------------------------------------------------

    def status(self) -> DeviceStatus:
        """Common status for `kiosk doctor`: never raises, a dead line is reported as a state."""
        try:
            completion, _, data = self._command(Cmd.GET_STATUS)
            state = PadState.decode(data)
        except (LinkError, DeviceTimeout) as exc:
            return DeviceStatus(DeviceState.OFFLINE if isinstance(exc, DeviceTimeout) else DeviceState.NO_DEVICE,
                                {"error": exc.code or "link"})
        except (ProtocolError, ValueError) as exc:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, {"error": str(exc)})
        if completion is not Completion.SUCCESS:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, {"error": completion.value})
        details = {"tamper": "detected" if state.tampered else "ok",
                   "entry": "active" if state.entry_active else "idle",
                   "keys": ",".join(str(s) for s in state.key_slots)}
        if state.tampered:
            return DeviceStatus(DeviceState.FRAUD_ATTEMPT, details)
        return DeviceStatus(DeviceState.BUSY if state.entry_active else DeviceState.ONLINE, details)

    def load_working_key(self, key: WorkingKey) -> Result[bytes]:
        """Load a wrapped working key; succeeds only if the pad's KCV equals the host's.

        The pad refuses a key whose KCV it cannot reproduce (`keyCheckValueMismatch`); the driver checks the
        KCV the pad reports as well, so a pad that stored something else is caught too.
        Raises DeviceTimeout/LinkError if the pad does not answer.
        """
        request = LoadKeyRequest(key.master_slot, key.key_slot, key.algorithm, key.wrapped_key, key.kcv)
        completion, error, kcv = self._command(Cmd.LOAD_WORKING_KEY, request.encode())
        if completion is not Completion.SUCCESS:
            return Result(completion, error)
        if not kcv_matches(key.kcv, kcv):
            log.warning("PIN pad reported KCV %s for slot %d, host expected %s", kcv.hex(), key.key_slot,
                        key.kcv.hex())
            return Result(Completion.COMMAND_ERROR, "keyCheckValueMismatch", detail="pad reported another KCV")
        return Result.success(kcv)

    def enter_pin(
        self,
        *,
        min_len: int = 6,
        max_len: int = 6,
        timeout_s: int = 30,
        on_event: Callable[[PadEvent], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Result[EntryOutcome]:
        """Run one PIN entry on the pad until enter, cancel, timeout or `cancel` is set.

        Raises DeviceTimeout/LinkError if the pad stops talking.
        """
        request = EntryRequest(min_len, max_len, timeout_s, EntryMode.VERIFY)
        return self._run_entry(request, on_event, cancel)

    def set_new_pin(
        self,
        *,
        birth_date: str = "",
        rules: WeakRule = ALL_RULES,
        min_len: int = 6,
        max_len: int = 6,
        timeout_s: int = 30,
        on_event: Callable[[PadEvent], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Result[EntryOutcome]:
        """Choose a new PIN: the pad takes it twice, refuses weak ones (`weakPin`) and mismatches (`pinMismatch`).

        `birth_date` (YYYYMMDD, from the ID card) is the hint for the birth-date rule; the pad applies the
        rule because only the pad sees digits (docs/pin-policy.md).
        Raises DeviceTimeout/LinkError if the pad stops talking.
        """
        if not birth_date:
            rules &= ~WeakRule.BIRTH_DATE
        request = EntryRequest(min_len, max_len, timeout_s, EntryMode.NEW_PIN, rules, birth_date)
        return self._run_entry(request, on_event, cancel)

    def read_pin_block(self, pan: str, key_slot: int) -> Result[PinBlock]:
        """The encrypted ISO 9564 format-0 block of the last entry, under the working key in `key_slot`.

        The pad forgets the PIN after this, so a block can be read once per entry.
        Raises DeviceTimeout/LinkError if the pad does not answer.
        """
        completion, error, data = self._command(Cmd.GET_PIN_BLOCK, BlockRequest(key_slot, pan).encode())
        if completion is not Completion.SUCCESS:
            return Result(completion, error)
        if len(data) not in (9, 17):
            raise ProtocolError("bad PIN block reply length", raw=data[:1], code="blockLength")
        return Result.success(PinBlock(Algorithm(data[0]), key_slot, data[1:]))

    # ---- entry loop -------------------------------------------------------------------------------------

    def _run_entry(
        self, request: EntryRequest, on_event: Callable[[PadEvent], None] | None, cancel: threading.Event | None
    ) -> Result[EntryOutcome]:
        completion, error, _ = self._command(Cmd.START_ENTRY, request.encode())
        if completion is not Completion.SUCCESS:
            return Result(completion, error)
        silence_limit = request.timeout_s + self.entry_grace_s
        last_heard = time.monotonic()
        cancel_sent = False
        while True:
            if cancel is not None and cancel.is_set() and not cancel_sent:
                self._send(Cmd.CANCEL_ENTRY)
                cancel_sent = True
            if time.monotonic() - last_heard > silence_limit:
                self._send(Cmd.CANCEL_ENTRY)
                raise DeviceTimeout("PIN pad silent past its entry timeout", code="entrySilent")
            frame = self._next_frame(READ_SLICE_S)
            if frame is None:
                continue
            last_heard = time.monotonic()
            outcome = self._entry_frame(frame, on_event)
            if outcome is not None:
                return outcome

    def _entry_frame(self, frame: Frame, on_event: Callable[[PadEvent], None] | None) -> Result[EntryOutcome] | None:
        """Handle one frame during entry; a Result when the entry is over."""
        if frame.cmd == Cmd.EVT_ENTRY_DONE and len(frame.data) == 2:
            completion, error = completion_for(frame.data[0])
            if completion is Completion.SUCCESS:
                return Result.success(EntryOutcome(frame.data[1]))
            return Result(completion, error)
        try:
            if frame.cmd == Cmd.EVT_KEY and len(frame.data) == 1:
                event: PadEvent = KeyEvent(Key(frame.data[0]))
            elif frame.cmd == Cmd.EVT_PHASE and len(frame.data) == 1:
                event = PhaseEvent(Phase(frame.data[0]))
            elif frame.cmd == Cmd.CANCEL_ENTRY:
                return None  # the reply to our cancel; the end-of-entry event follows
            else:
                raise ValueError(f"unexpected frame {frame!r} during entry")
        except ValueError as exc:
            raise ProtocolError(str(exc), raw=bytes([frame.cmd]), code="unexpected") from exc
        if on_event is not None:
            on_event(event)
        return None
