"""An encrypting PIN pad on a pty: holds keys, takes scripted key presses, answers with encrypted blocks.

It stands in for the pad's firmware, so it is the only place outside tests where digits exist; they never
leave it (key events carry kinds, the block is encrypted). Tests drive it by method calls: `press()` queues
key presses (consumed while an entry is active), `expire_entry()` fires the pad's entry timeout,
`set_tamper()` trips the tamper switch (which erases every key, as a real pad does), and
`fault_wrong_kcv()` makes the pad report a KCV other than the one it computed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from drivers.errors import FramingError
from drivers.pinpad.pinblock import Algorithm, clear_block, ecb_decrypt, ecb_encrypt, key_check_value
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
    Status,
    encode_frame,
)
from drivers.pinpad.weak_pin import WeakRule, weak_reason
from drivers.sim.pty_link import PtyLink

log = logging.getLogger(__name__)

KEY_NAMES = {"clear": Key.CLEAR, "cancel": Key.CANCEL, "enter": Key.ENTER}


@dataclass
class _StoredKey:
    algorithm: Algorithm
    value: bytes = field(repr=False)
    master: bool


@dataclass
class _Entry:
    request: EntryRequest
    deadline: float
    phase: Phase = Phase.FIRST
    digits: list[str] = field(default_factory=list, repr=False)
    first: str = field(default="", repr=False)


class PinPadEmulator:
    """The pad: `master_keys` maps slot -> (algorithm, clear master key), as injected at the key ceremony.

    Raises OSError if no pty is free.
    """

    def __init__(self, master_keys: dict[int, tuple[Algorithm, bytes]]) -> None:
        self._keys = {slot: _StoredKey(algo, key, True) for slot, (algo, key) in master_keys.items()}
        self._link = PtyLink()
        self.path = self._link.path
        self._wake_r, self._wake_w = os.pipe()
        self._lock = threading.Lock()
        self._presses: deque[str] = deque()
        self._expire = False
        self._tampered = False
        self._wrong_kcv = False
        self._entry: _Entry | None = None
        self._pin = ""  # the finished entry, until its block is read
        self._decoder = FrameDecoder()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="pinpad-emulator", daemon=True)
        self._thread.start()

    # ---- test-facing controls ---------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """Queue key presses: digit strings ("123456") or "clear", "cancel", "enter".

        Raises ValueError for an unknown key name.
        """
        expanded: list[str] = []
        for key in keys:
            if key.isdigit():
                expanded.extend(key)
            elif key in KEY_NAMES:
                expanded.append(key)
            else:
                raise ValueError(f"no such key: {key}")
        with self._lock:
            self._presses.extend(expanded)
        self._wake()

    def expire_entry(self) -> None:
        """Make the running (or next) entry time out now, as if the customer walked away."""
        with self._lock:
            self._expire = True
        self._wake()

    def set_tamper(self, tampered: bool = True) -> None:
        """Trip (or reset) the tamper switch; tripping erases every key."""
        with self._lock:
            self._tampered = tampered
            if tampered:
                self._keys.clear()
                self._pin = ""
        self._wake()

    def fault_wrong_kcv(self, on: bool = True) -> None:
        """Report a KCV other than the computed one on the next key loads (a pad that stored a bad key)."""
        with self._lock:
            self._wrong_kcv = on

    @property
    def entry_active(self) -> bool:
        with self._lock:
            return self._entry is not None

    def close(self) -> None:
        """Stop the firmware thread and unplug the line."""
        if self._stop:
            return
        self._stop = True
        self._wake()
        self._thread.join(timeout=5)
        self._link.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def __enter__(self) -> PinPadEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # closed: nothing left to wake
            os.write(self._wake_w, b"w")

    # ---- firmware loop ----------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self._link.master, self._wake_r], [], [], self._time_left())
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            with self._lock:
                if self._link.master in ready:
                    self._receive(self._link.read(timeout=0))
                self._tick()

    def _time_left(self) -> float | None:
        with self._lock:
            if self._entry is None:
                return None
            return max(0.0, self._entry.deadline - time.monotonic())

    def _receive(self, data: bytes) -> None:
        try:
            frames = self._decoder.feed(data)
        except FramingError as exc:
            log.debug("pad ignores bad frame: %s", exc)
            return
        for frame in frames:
            self._handle(frame)

    def _tick(self) -> None:
        """Feed queued key presses to an active entry and fire its timeout."""
        while self._entry is not None and self._presses:
            self._key(self._presses.popleft())
        if self._entry is not None and (self._expire or time.monotonic() >= self._entry.deadline):
            self._finish(Status.TIMEOUT)

    def _emit(self, cmd: int, data: bytes = b"") -> None:
        self._link.write(encode_frame(cmd, data))

    def _reply(self, cmd: int, status: Status, data: bytes = b"") -> None:
        self._emit(cmd, bytes([status]) + data)

    # ---- commands ---------------------------------------------------------------------------------------

    def _handle(self, frame: Frame) -> None:
        if frame.cmd == Cmd.GET_STATUS:
            slots = tuple(sorted(self._keys))
            self._reply(frame.cmd, Status.OK, PadState(self._tampered, self._entry is not None, slots).encode())
            return
        if self._tampered:
            self._reply(frame.cmd, Status.TAMPERED)
            return
        handler = {
            Cmd.LOAD_WORKING_KEY: self._load_key,
            Cmd.START_ENTRY: self._start_entry,
            Cmd.CANCEL_ENTRY: self._cancel_entry,
            Cmd.GET_PIN_BLOCK: self._pin_block,
        }.get(frame.cmd)
        if handler is None:
            self._reply(frame.cmd, Status.BAD_COMMAND)
            return
        try:
            handler(frame.data)
        except ValueError as exc:
            log.debug("pad refuses data for 0x%02X: %s", frame.cmd, exc)
            self._reply(frame.cmd, Status.BAD_DATA)

    def _load_key(self, data: bytes) -> None:
        req = LoadKeyRequest.decode(data)
        master = self._keys.get(req.master_slot)
        if master is None or not master.master:
            self._reply(Cmd.LOAD_WORKING_KEY, Status.KEY_NOT_FOUND)
            return
        if master.algorithm is not req.algorithm:
            self._reply(Cmd.LOAD_WORKING_KEY, Status.ALGORITHM_UNSUPPORTED)
            return
        if len(req.wrapped_key) not in req.algorithm.key_lengths:
            raise ValueError("bad key length")
        key = ecb_decrypt(req.algorithm, master.value, req.wrapped_key)
        kcv = key_check_value(req.algorithm, key)
        if kcv != req.kcv:
            self._reply(Cmd.LOAD_WORKING_KEY, Status.KCV_MISMATCH)
            return
        self._keys[req.key_slot] = _StoredKey(req.algorithm, key, False)
        if self._wrong_kcv:
            kcv = bytes(b ^ 0x5A for b in kcv)
        self._reply(Cmd.LOAD_WORKING_KEY, Status.OK, kcv)

    def _start_entry(self, data: bytes) -> None:
        req = EntryRequest.decode(data)
        if self._entry is not None:
            self._reply(Cmd.START_ENTRY, Status.BUSY)
            return
        if not 4 <= req.min_len <= req.max_len <= 12 or req.timeout_s == 0:
            raise ValueError("bad entry limits")
        if req.rules & WeakRule.BIRTH_DATE:
            weak_reason("0000", WeakRule.BIRTH_DATE, req.birth_date)  # raises ValueError if malformed
        self._pin = ""
        self._entry = _Entry(req, time.monotonic() + req.timeout_s)
        self._reply(Cmd.START_ENTRY, Status.OK)
        if req.mode is EntryMode.NEW_PIN:
            self._emit(Cmd.EVT_PHASE, bytes([Phase.FIRST]))

    def _cancel_entry(self, data: bytes) -> None:
        self._reply(Cmd.CANCEL_ENTRY, Status.OK)
        if self._entry is not None:
            self._finish(Status.CANCELLED)

    def _pin_block(self, data: bytes) -> None:
        req = BlockRequest.decode(data)
        key = self._keys.get(req.key_slot)
        if not self._pin:
            self._reply(Cmd.GET_PIN_BLOCK, Status.NO_PIN)
            return
        if key is None or key.master:
            self._reply(Cmd.GET_PIN_BLOCK, Status.KEY_NOT_FOUND)
            return
        block = ecb_encrypt(key.algorithm, key.value, clear_block(self._pin, req.pan, key.algorithm))
        self._pin = ""  # one block per entry
        self._reply(Cmd.GET_PIN_BLOCK, Status.OK, bytes([key.algorithm]) + block)

    # ---- keys -------------------------------------------------------------------------------------------

    def _key(self, name: str) -> None:
        entry = self._entry
        assert entry is not None
        if name.isdigit():
            if len(entry.digits) < entry.request.max_len:
                entry.digits.append(name)
                self._emit(Cmd.EVT_KEY, bytes([Key.DIGIT]))
        elif name == "clear":
            entry.digits.clear()
            self._emit(Cmd.EVT_KEY, bytes([Key.CLEAR]))
        elif name == "cancel":
            self._emit(Cmd.EVT_KEY, bytes([Key.CANCEL]))
            self._finish(Status.CANCELLED)
        elif len(entry.digits) >= entry.request.min_len:  # enter; too short and the pad just beeps
            self._emit(Cmd.EVT_KEY, bytes([Key.ENTER]))
            self._entered(entry)

    def _entered(self, entry: _Entry) -> None:
        pin = "".join(entry.digits)
        entry.digits.clear()
        req = entry.request
        if req.mode is EntryMode.VERIFY:
            self._pin = pin
            self._finish(Status.OK, len(pin))
        elif entry.phase is Phase.FIRST:
            if weak_reason(pin, req.rules, req.birth_date or None):
                self._finish(Status.WEAK_PIN)
                return
            entry.first, entry.phase = pin, Phase.CONFIRM
            entry.deadline = time.monotonic() + req.timeout_s
            self._emit(Cmd.EVT_PHASE, bytes([Phase.CONFIRM]))
        elif pin == entry.first:
            self._pin = pin
            self._finish(Status.OK, len(pin))
        else:
            self._finish(Status.PIN_MISMATCH)

    def _finish(self, status: Status, digits: int = 0) -> None:
        self._entry = None
        self._expire = False
        self._emit(Cmd.EVT_ENTRY_DONE, bytes([status, digits]))
