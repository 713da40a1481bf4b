"""CRT-591 card dispenser wire protocol: bytes, frames, checksums and status/error tables. No I/O here.

Packet layout (LEN counts from the 'C'/'P'/'N' byte through DATA; BCC = XOR of STX through ETX):
    command   F2 ADDR LENH LENL 'C' CM PM DATA 03 BCC
    positive  F2 ADDR LENH LENL 'P' CM PM st0 st1 st2 DATA 03 BCC
    negative  F2 ADDR LENH LENL 'N' CM PM e1 e0 DATA 03 BCC
The driver and the emulator both build on this module, so they cannot disagree about a byte. Status bytes,
sensor bytes, the error-code table and the disputed parameter bytes live beside it in `tables.py`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from drivers.errors import ChecksumError, FramingError, ProtocolError

STX = 0xF2
ETX = 0x03
ACK = 0x06
NAK = 0x15
EOT = 0x04
CONTROL_BYTES = frozenset({ACK, NAK, EOT})

CMT_COMMAND = 0x43  # 'C'
CMT_POSITIVE = 0x50  # 'P'
CMT_NEGATIVE = 0x4E  # 'N'

MAX_PACKET = 1024  # the spec's limit for a whole packet, STX through BCC
MAX_TEXT = MAX_PACKET - 6
MAX_ADDRESS = 0x0F


class CM(enum.IntEnum):
    """Command bytes (CM)."""

    INITIALISE = 0x30
    STATUS = 0x31
    MOVE = 0x32
    ENTRY = 0x33
    CARD_TYPE = 0x50
    CPU_CARD = 0x51
    SERIAL_NUMBER = 0xA2
    CONFIG = 0xA3
    FIRMWARE = 0xA4
    BIN_COUNTER = 0xA5


# Commands that move the motor: the "ACK but no response within 20 ms -> resend" rule does not apply to them.
LONG_RUNNING = frozenset({CM.INITIALISE, CM.MOVE})


class InitMode(enum.IntEnum):
    """Initialise PM: what to do with a card found in the channel (+4 also counts retracted cards)."""

    TO_GATE = 0x30
    CAPTURE = 0x31
    NO_MOVE = 0x33
    TO_GATE_COUNTED = 0x34
    CAPTURE_COUNTED = 0x35
    NO_MOVE_COUNTED = 0x37


PM_STATUS_DEVICE = 0x30
PM_STATUS_SENSORS = 0x31
PM_ENTRY_ENABLE = 0x30
PM_ENTRY_DISABLE = 0x31
PM_READ = 0x30  # serial number, firmware, bin counter read
PM_BIN_COUNTER_SET = 0x31


def bcc(data: bytes) -> int:
    """XOR of all bytes: the block check character over STX through ETX."""
    return reduce(lambda acc, b: acc ^ b, data, 0)


# ---------------------------------------------------------------- frames


@dataclass(frozen=True)
class Command:
    """A host command: CM, PM and optional data for the dispenser at `address`."""

    cm: int
    pm: int
    data: bytes = b""
    address: int = 0

    @property
    def long_running(self) -> bool:
        return self.cm in LONG_RUNNING


@dataclass(frozen=True)
class PositiveResponse:
    """'P' response: the command echo, the three status bytes and data."""

    cm: int
    pm: int
    status: bytes
    data: bytes = b""
    address: int = 0


@dataclass(frozen=True)
class NegativeResponse:
    """'N' response: the command echo and the two-character error code e1e0."""

    cm: int
    pm: int
    code: str
    data: bytes = b""
    address: int = 0


Response = PositiveResponse | NegativeResponse


def pack(address: int, text: bytes) -> bytes:
    """Wrap `text` (from the 'C'/'P'/'N' byte through DATA) into a whole packet with STX, LEN, ETX and BCC.

    Raises ValueError if the address or the length is out of range (a bug in the caller).
    """
    if not 0 <= address <= MAX_ADDRESS:
        raise ValueError(f"address {address} out of range 0..15")
    if not 1 <= len(text) <= MAX_TEXT:
        raise ValueError(f"text length {len(text)} out of range 1..{MAX_TEXT}")
    body = bytes([STX, address, len(text) >> 8, len(text) & 0xFF]) + text + bytes([ETX])
    return body + bytes([bcc(body)])


def encode_command(command: Command) -> bytes:
    """Bytes of a host command packet."""
    return pack(command.address, bytes([CMT_COMMAND, command.cm, command.pm]) + command.data)


def encode_positive(response: PositiveResponse) -> bytes:
    """Bytes of a positive response packet (the emulator's side)."""
    if len(response.status) != 3:
        raise ValueError("status must be three bytes st0 st1 st2")
    text = bytes([CMT_POSITIVE, response.cm, response.pm]) + response.status + response.data
    return pack(response.address, text)


def encode_negative(response: NegativeResponse) -> bytes:
    """Bytes of a negative response packet (the emulator's side)."""
    code = response.code.encode("latin-1")
    if len(code) != 2:
        raise ValueError("error code must be two characters e1e0")
    return pack(response.address, bytes([CMT_NEGATIVE, response.cm, response.pm]) + code + response.data)


def split_frame(raw: bytes) -> tuple[int, bytes]:
    """Check a whole packet and return (address, text).

    Raises FramingError if preamble, length or ETX are wrong, ChecksumError if BCC does not match,
    ProtocolError if the address is outside 00..0F.
    """
    if len(raw) < 7:
        raise FramingError(f"packet too short ({len(raw)} bytes)", raw=raw)
    if raw[0] != STX:
        raise FramingError(f"packet starts with {raw[0]:02X}, not STX", raw=raw)
    length = (raw[2] << 8) | raw[3]
    if not 1 <= length <= MAX_TEXT:
        raise FramingError(f"text length {length} out of range", raw=raw)
    if len(raw) != length + 6:
        raise FramingError(f"packet is {len(raw)} bytes, LEN says {length + 6}", raw=raw)
    if raw[-2] != ETX:
        raise FramingError("no ETX where LEN says the text ends", raw=raw)
    if bcc(raw[:-1]) != raw[-1]:
        raise ChecksumError(f"BCC {raw[-1]:02X} != computed {bcc(raw[:-1]):02X}", raw=raw)
    if raw[1] > MAX_ADDRESS:
        raise ProtocolError(f"address {raw[1]:02X} out of range", raw=raw)
    return raw[1], bytes(raw[4:-2])


def decode_command(raw: bytes) -> Command:
    """Parse a host command packet (the emulator's side).

    Raises FramingError/ChecksumError for bad packets, ProtocolError if it is not a 'C' packet.
    """
    address, text = split_frame(raw)
    if text[0] != CMT_COMMAND or len(text) < 3:
        raise ProtocolError("not a command packet", raw=raw)
    return Command(text[1], text[2], text[3:], address)


def decode_response(raw: bytes) -> Response:
    """Parse a response packet.

    Raises FramingError/ChecksumError for bad packets, ProtocolError for a packet that is not a
    well-formed 'P' or 'N' response.
    """
    address, text = split_frame(raw)
    head = text[0]
    if head == CMT_POSITIVE and len(text) >= 6:
        return PositiveResponse(text[1], text[2], text[3:6], text[6:], address)
    if head == CMT_NEGATIVE and len(text) >= 5:
        return NegativeResponse(text[1], text[2], text[3:5].decode("latin-1"), text[5:], address)
    raise ProtocolError(f"unexpected response head {head:02X} or short text", raw=raw)


# ---------------------------------------------------------------- stream splitting


@dataclass(frozen=True)
class ControlByte:
    """A lone ACK, NAK or EOT on the line."""

    value: int


@dataclass(frozen=True)
class Frame:
    """A whole packet whose length, ETX and BCC are right (contents not yet interpreted)."""

    raw: bytes


@dataclass(frozen=True)
class BadFrame:
    """Bytes that started like a packet but are not one; the receiver answers NAK."""

    raw: bytes
    error: FramingError


Token = ControlByte | Frame | BadFrame


class Deframer:
    """Splits a byte stream into control bytes and packets; bad input becomes tokens, never exceptions.

    Noise outside packets is dropped and counted in `noise`. After a bad length or a missing ETX the bytes
    after the STX are scanned again, so a real packet hidden behind a corrupt one is still found.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.noise = 0

    @property
    def in_frame(self) -> bool:
        """True while part of a packet has been seen (the 'response has started' test)."""
        return bool(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: Iterable[int]) -> list[Token]:
        tokens: list[Token] = []
        pending = list(data)
        pending.reverse()
        while pending:
            self._step(pending.pop(), tokens, pending)
        return tokens

    def _step(self, byte: int, tokens: list[Token], pending: list[int]) -> None:
        buf = self._buf
        if not buf:
            if byte in CONTROL_BYTES:
                tokens.append(ControlByte(byte))
            elif byte == STX:
                buf.append(byte)
            else:
                self.noise += 1
            return
        buf.append(byte)
        if len(buf) == 4 and not 1 <= ((buf[2] << 8) | buf[3]) <= MAX_TEXT:
            self._resync(tokens, pending, "text length out of range")
        elif len(buf) >= 7 and len(buf) == ((buf[2] << 8) | buf[3]) + 6:
            if buf[-2] != ETX:
                self._resync(tokens, pending, "no ETX where LEN says the text ends")
                return
            raw = bytes(buf)
            buf.clear()
            if bcc(raw[:-1]) != raw[-1]:
                tokens.append(BadFrame(raw, ChecksumError("BCC mismatch", raw=raw)))
            else:
                tokens.append(Frame(raw))

    def _resync(self, tokens: list[Token], pending: list[int], why: str) -> None:
        raw = bytes(self._buf)
        self._buf.clear()
        tokens.append(BadFrame(raw, FramingError(why, raw=raw)))
        pending.extend(reversed(raw[1:]))


__all__ = [
    "ACK",
    "CM",
    "EOT",
    "ETX",
    "LONG_RUNNING",
    "NAK",
    "STX",
    "BadFrame",
    "Command",
    "ControlByte",
    "Deframer",
    "Frame",
    "InitMode",
    "NegativeResponse",
    "PositiveResponse",
    "Response",
    "Token",
    "bcc",
    "decode_command",
    "decode_response",
    "encode_command",
    "encode_negative",
    "encode_positive",
    "pack",
    "split_frame",
]
