"""The encrypting PIN pad's serial protocol: frames, command table, status table, payloads. No I/O.

Frame (both directions), modelled on the common EPP style:

    STX(02) | LEN (2 bytes, big-endian: count of CMD + DATA) | CMD | DATA | ETX(03) | BCC

BCC is the XOR of every byte from LEN through ETX. A reply echoes the command byte and its first data byte
is a status code (`STATUS`). Unsolicited frames from the pad (key events, end of entry, phase changes) use
command bytes >= 0xE0 and are never replies. Key events carry only the key's kind, never a digit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from drivers.errors import ChecksumError, FramingError
from drivers.pinpad.pinblock import Algorithm
from drivers.pinpad.weak_pin import WeakRule
from drivers.status import Completion

STX = 0x02
ETX = 0x03
MAX_BODY = 1024  # CMD + DATA; our largest frame is a 24-byte key + KCV
OVERHEAD = 6  # STX, LEN(2), ETX, BCC + CMD counted in LEN


class Cmd(enum.IntEnum):
    """Command bytes: host requests below 0xE0, unsolicited pad events from 0xE0."""

    GET_STATUS = 0x10
    LOAD_WORKING_KEY = 0x20
    START_ENTRY = 0x30
    CANCEL_ENTRY = 0x31
    GET_PIN_BLOCK = 0x40
    EVT_KEY = 0xE0
    EVT_ENTRY_DONE = 0xE1
    EVT_PHASE = 0xE2


class Key(enum.IntEnum):
    """What a key-press event says: the kind of key, never which digit."""

    DIGIT = 0x01
    CLEAR = 0x02
    CANCEL = 0x03
    ENTER = 0x04


class Phase(enum.IntEnum):
    """Set-PIN phases the pad announces, so the screen can say "enter" or "enter again"."""

    FIRST = 0x01
    CONFIRM = 0x02


class EntryMode(enum.IntEnum):
    """PIN entry for verification (one entry) or a new PIN (two entries, weak-PIN rule, match check)."""

    VERIFY = 0x00
    NEW_PIN = 0x01


class PinFormat(enum.IntEnum):
    """PIN block formats the pad can build."""

    ISO0 = 0x00


class Status(enum.IntEnum):
    """Status bytes in replies and in the end-of-entry event."""

    OK = 0x00
    BAD_COMMAND = 0x01
    BAD_DATA = 0x02
    KCV_MISMATCH = 0x03
    KEY_NOT_FOUND = 0x04
    TAMPERED = 0x05
    BUSY = 0x06
    NO_PIN = 0x07
    TIMEOUT = 0x08
    CANCELLED = 0x09
    WEAK_PIN = 0x0A
    PIN_MISMATCH = 0x0B
    ALGORITHM_UNSUPPORTED = 0x0C


# Status -> (XFS4IoT completion, class error code); the one place a pad status gets its meaning.
STATUS_TABLE: dict[Status, tuple[Completion, str | None]] = {
    Status.OK: (Completion.SUCCESS, None),
    Status.BAD_COMMAND: (Completion.INVALID_COMMAND, "badCommand"),
    Status.BAD_DATA: (Completion.INVALID_DATA, "badData"),
    Status.KCV_MISMATCH: (Completion.COMMAND_ERROR, "keyCheckValueMismatch"),
    Status.KEY_NOT_FOUND: (Completion.COMMAND_ERROR, "keyNotFound"),
    Status.TAMPERED: (Completion.FRAUD_ATTEMPT, "tampered"),
    Status.BUSY: (Completion.SEQUENCE_ERROR, "busy"),
    Status.NO_PIN: (Completion.SEQUENCE_ERROR, "noPin"),
    Status.TIMEOUT: (Completion.TIMEOUT, None),
    Status.CANCELLED: (Completion.CANCELED, None),
    Status.WEAK_PIN: (Completion.USER_ERROR, "weakPin"),
    Status.PIN_MISMATCH: (Completion.USER_ERROR, "pinMismatch"),
    Status.ALGORITHM_UNSUPPORTED: (Completion.UNSUPPORTED_DATA, "algorithmNotSupported"),
}


def completion_for(status_byte: int) -> tuple[Completion, str | None]:
    """Completion and class error code for a status byte; unknown bytes are a hardware error."""
    try:
        return STATUS_TABLE[Status(status_byte)]
    except ValueError:
        return Completion.HARDWARE_ERROR, f"unknownStatus{status_byte:02X}"


@dataclass(frozen=True)
class Frame:
    """One decoded frame: command byte and data (the data may hold key material, so repr shows its size)."""

    cmd: int
    data: bytes = field(default=b"", repr=False)

    def __repr__(self) -> str:
        return f"Frame(cmd=0x{self.cmd:02X}, data=<{len(self.data)} bytes>)"


def bcc(body: bytes) -> int:
    """XOR of the bytes from LEN through ETX."""
    value = 0
    for b in body:
        value ^= b
    return value


def encode_frame(cmd: int, data: bytes = b"") -> bytes:
    """STX | LEN | CMD | DATA | ETX | BCC.

    Raises ValueError if the body is longer than `MAX_BODY`.
    """
    if len(data) + 1 > MAX_BODY:
        raise ValueError("frame too long")
    body = (len(data) + 1).to_bytes(2, "big") + bytes([cmd]) + data + bytes([ETX])
    return bytes([STX]) + body + bytes([bcc(body)])


class FrameDecoder:
    """Incremental decoder: feed bytes as they arrive, get whole frames out.

    Bytes before an STX are line noise and are skipped; a bad length, missing ETX or bad BCC raises, carrying
    the offending bytes, and the decoder resumes after that frame's STX.
    """

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        """Frames completed by `data`.

        Raises FramingError for a bad length or missing ETX, ChecksumError for a bad BCC.
        """
        self._buf += data
        frames: list[Frame] = []
        while (frame := self._next()) is not None:
            frames.append(frame)
        return frames

    def _next(self) -> Frame | None:
        start = self._buf.find(STX)
        if start < 0:
            self._buf.clear()
            return None
        del self._buf[:start]
        if len(self._buf) < 3:
            return None
        length = int.from_bytes(self._buf[1:3], "big")
        if not 1 <= length <= MAX_BODY:
            raw = bytes(self._buf[:3])
            del self._buf[:1]
            raise FramingError(f"bad frame length {length}", raw=raw, code="length")
        total = length + 5
        if len(self._buf) < total:
            return None
        raw = bytes(self._buf[:total])
        del self._buf[:total]
        return _check(raw, length)


def _check(raw: bytes, length: int) -> Frame:
    if raw[3 + length] != ETX:
        raise FramingError("missing ETX", raw=raw, code="etx")
    if bcc(raw[1:-1]) != raw[-1]:
        raise ChecksumError("bad BCC", raw=raw, code="bcc")
    return Frame(raw[3], raw[4 : 3 + length])


def decode_frame(raw: bytes) -> Frame:
    """Exactly one frame from `raw`.

    Raises FramingError if `raw` is not exactly one well-formed frame, ChecksumError if its BCC is wrong.
    """
    decoder = FrameDecoder()
    frames = decoder.feed(raw)
    if len(frames) != 1 or decoder._buf:
        raise FramingError("not exactly one frame", raw=raw, code="frame")
    return frames[0]


# ---- payloads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadKeyRequest:
    """LOAD_WORKING_KEY data: master slot, working slot, algorithm, key length, wrapped key, expected KCV."""

    master_slot: int
    key_slot: int
    algorithm: Algorithm
    wrapped_key: bytes = field(repr=False)
    kcv: bytes

    def encode(self) -> bytes:
        head = bytes([self.master_slot, self.key_slot, self.algorithm, len(self.wrapped_key)])
        return head + self.wrapped_key + self.kcv

    @classmethod
    def decode(cls, data: bytes) -> LoadKeyRequest:
        """Raises ValueError if the payload is malformed."""
        if len(data) < 4:
            raise ValueError("short LOAD_WORKING_KEY")
        n = data[3]
        algorithm = Algorithm(data[2])
        kcv = data[4 + n :]
        if len(data) < 4 + n or len(kcv) != algorithm.kcv_len:
            raise ValueError("bad LOAD_WORKING_KEY lengths")
        return cls(data[0], data[1], algorithm, data[4 : 4 + n], kcv)


@dataclass(frozen=True)
class EntryRequest:
    """START_ENTRY data: min, max, timeout (s), mode, weak-PIN rules, birth date (8 ASCII digits or empty)."""

    min_len: int = 6
    max_len: int = 6
    timeout_s: int = 30
    mode: EntryMode = EntryMode.VERIFY
    rules: WeakRule = WeakRule.NONE
    birth_date: str = field(default="", repr=False)  # personal data: never in a repr

    def encode(self) -> bytes:
        head = bytes([self.min_len, self.max_len, self.timeout_s, self.mode, self.rules])
        return head + self.birth_date.encode("ascii")

    @classmethod
    def decode(cls, data: bytes) -> EntryRequest:
        """Raises ValueError if the payload is malformed."""
        if len(data) not in (5, 13):
            raise ValueError("bad START_ENTRY length")
        birth = data[5:].decode("ascii")
        if birth and not birth.isdigit():
            raise ValueError("birth date must be digits")
        return cls(data[0], data[1], data[2], EntryMode(data[3]), WeakRule(data[4]), birth)


@dataclass(frozen=True)
class BlockRequest:
    """GET_PIN_BLOCK data: key slot, format, PAN as ASCII digits."""

    key_slot: int
    pan: str = field(repr=False)
    fmt: PinFormat = PinFormat.ISO0

    def encode(self) -> bytes:
        return bytes([self.key_slot, self.fmt]) + self.pan.encode("ascii")

    @classmethod
    def decode(cls, data: bytes) -> BlockRequest:
        """Raises ValueError if the payload is malformed."""
        pan = data[2:].decode("ascii") if len(data) > 2 else ""
        if not pan.isdigit():
            raise ValueError("PAN must be digits")
        return cls(data[0], pan, PinFormat(data[1]))


@dataclass(frozen=True)
class PadState:
    """GET_STATUS reply data after the status byte: tamper flag, entry in progress, loaded key slots."""

    tampered: bool
    entry_active: bool
    key_slots: tuple[int, ...]

    def encode(self) -> bytes:
        return bytes([int(self.tampered), int(self.entry_active), *self.key_slots])

    @classmethod
    def decode(cls, data: bytes) -> PadState:
        """Raises ValueError if the payload is short."""
        if len(data) < 2:
            raise ValueError("short status")
        return cls(bool(data[0]), bool(data[1]), tuple(data[2:]))
