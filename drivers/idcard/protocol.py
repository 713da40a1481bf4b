"""Wire format of the Chinese second-generation ID card SAM module: frames, commands, status codes.

Pure data and functions, no I/O, so the driver and the emulator share one definition of every byte.
Frame: preamble ``AA AA AA 96 69``, LEN (2 bytes big-endian, counts everything after LEN including the
checksum), body, CHK (XOR of LEN and body). Command body ``CMD PARA [DATA]``; response body
``SW1 SW2 SW3 [DATA]``.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from drivers.errors import ChecksumError, FramingError, ProtocolError
from drivers.status import Completion

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2  # preamble + LEN
MIN_LEN = 3  # CMD PARA CHK: the shortest frame body + checksum
MAX_LEN = 0x1000  # the longest real frame is 0x090A; anything much longer is a corrupt LEN
TEXT_LEN = 256
PHOTO_LEN = 1024
FINGERPRINT_LEN = 1024
ADDRESS_LEN = 70
SAM_ID_DATA_LEN = 16


class Command(enum.IntEnum):
    """Command pairs (CMD << 8 | PARA) of the SAM module."""

    READ_SAM_ID = 0x12FF
    STATUS = 0x11FF
    FIND_CARD = 0x2001
    SELECT_CARD = 0x2002
    READ_TEXT_PHOTO = 0x3001
    READ_ADDRESS = 0x3003
    READ_TEXT_PHOTO_FINGERPRINT = 0x3010
    SET_RF_FRAME = 0x61FF

    @property
    def cmd(self) -> int:
        return self.value >> 8

    @property
    def para(self) -> int:
        return self.value & 0xFF


SW3_OK = 0x90
SW3_NO_CONTENT = 0x91
SW3_FIND_OK = 0x9F


@dataclass(frozen=True)
class Outcome:
    """What one SW3 status code means to the layer above: an XFS completion and a class error code."""

    completion: Completion
    error_code: str | None
    text: str


_C = Completion
# SW3 -> outcome. The one table of status codes; the driver looks codes up here and nowhere else.
SW3_TABLE: dict[int, Outcome] = {
    0x90: Outcome(_C.SUCCESS, None, "OK"),
    0x91: Outcome(_C.SUCCESS, "noContent", "field has no content"),
    0x9F: Outcome(_C.SUCCESS, None, "find card OK"),
    0x10: Outcome(_C.INVALID_COMMAND, "commandChecksum", "SAM received a command with a bad checksum"),
    0x11: Outcome(_C.INVALID_COMMAND, "commandLength", "SAM received a command with a bad length"),
    0x21: Outcome(_C.INVALID_COMMAND, "commandError", "SAM rejected the command"),
    0x23: Outcome(_C.AUTHORISATION_REQUIRED, "notAuthorised", "command not authorised"),
    0x24: Outcome(_C.HARDWARE_ERROR, "unknownError", "SAM reported an unknown error"),
    0x31: Outcome(_C.COMMAND_ERROR, "cardAuthFailed", "card failed to authenticate the SAM"),
    0x32: Outcome(_C.COMMAND_ERROR, "samAuthFailed", "SAM failed to authenticate the card"),
    0x33: Outcome(_C.COMMAND_ERROR, "infoCheckFailed", "information check error"),
    0x40: Outcome(_C.USER_ERROR, "unknownCardType", "card on the reader is not a known ID card type"),
    0x41: Outcome(_C.COMMAND_ERROR, "readFailed", "reading the card failed"),
    0x47: Outcome(_C.COMMAND_ERROR, "randomNumberFailed", "getting a random number from the card failed"),
    0x60: Outcome(_C.HARDWARE_ERROR, "samSelfTestFailed", "SAM self-test failed"),
    0x66: Outcome(_C.AUTHORISATION_REQUIRED, "samNotAuthorised", "SAM not authorised"),
    0x80: Outcome(_C.COMMAND_ERROR, "noMedia", "no card found"),
    0x81: Outcome(_C.COMMAND_ERROR, "selectFailed", "selecting the card failed"),
}
# Codes the SAM sends when it did not understand our bytes: line noise, worth one resend.
RETRYABLE_SW3 = frozenset({0x10, 0x11})


def outcome_for(sw3: int) -> Outcome:
    """The meaning of a status code. Raises ProtocolError if the code is not in the table."""
    try:
        return SW3_TABLE[sw3]
    except KeyError:
        raise ProtocolError(f"unknown SW3 status 0x{sw3:02X}", code=f"{sw3:02X}") from None


def checksum(data: bytes) -> int:
    """XOR of every byte: the frame check over LEN and body."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def encode_frame(body: bytes) -> bytes:
    """Wrap a command or response body in preamble, length and checksum.

    Raises ValueError if the body is too long for the 16-bit length field.
    """
    length = len(body) + 1
    if length > 0xFFFF:
        raise ValueError(f"frame body too long: {len(body)} bytes")
    head = struct.pack(">H", length) + body
    return PREAMBLE + head + bytes((checksum(head),))


def encode_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """The full frame of one command, e.g. ``encode_command(0x20, 0x01)`` for find card.

    Raises ValueError if cmd or para is not a byte.
    """
    return encode_frame(bytes((cmd, para)) + bytes(data))


def encode_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """The full frame of one response (the emulator's side of the wire)."""
    return encode_frame(bytes((sw1, sw2, sw3)) + bytes(data))


@dataclass(frozen=True)
class Frame:
    """One complete, checksum-verified frame; `body` is everything between LEN and CHK."""

    body: bytes
    raw: bytes

    @property
    def command(self) -> tuple[int, int, bytes]:
        """The body read as a command: (CMD, PARA, DATA)."""
        return self.body[0], self.body[1], self.body[2:]

    def response(self) -> Response:
        """The body read as a response. Raises FramingError if it is too short to hold SW1 SW2 SW3."""
        if len(self.body) < 3:
            raise FramingError("response shorter than its status words", raw=self.raw)
        return Response(self.body[0], self.body[1], self.body[2], self.body[3:], self.raw)


@dataclass(frozen=True)
class Response:
    """A decoded response: status words and data."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes
    raw: bytes

    @property
    def outcome(self) -> Outcome:
        """The table meaning of SW3. Raises ProtocolError for a code the table does not know."""
        return outcome_for(self.sw3)


class FrameDecoder:
    """Turns a byte stream with noise, partial frames and several frames at once into frames.

    `feed()` bytes, then iterate: each complete frame is yielded once. Bytes before a preamble are dropped
    (counted in `discarded`). A frame with a bad length or checksum raises FramingError/ChecksumError from
    the iteration after the decoder has skipped past that preamble, so iterating again resynchronises on
    the next preamble inside or after the bad frame.
    """

    def __init__(self, max_len: int = MAX_LEN) -> None:
        self._buf = bytearray()
        self._max_len = max_len
        self.discarded = 0

    def feed(self, data: bytes) -> None:
        """Append received bytes."""
        self._buf += data

    def reset(self) -> None:
        """Forget buffered bytes (before a new command, so a late answer cannot pass for the next one)."""
        self.discarded += len(self._buf)
        self._buf.clear()

    @property
    def pending(self) -> int:
        """Bytes buffered that do not yet form a complete frame."""
        return len(self._buf)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            frame = self.next_frame()
            if frame is None:
                return
            yield frame

    def next_frame(self) -> Frame | None:
        """The next complete frame, or None if more bytes are needed.

        Raises FramingError if a frame's length is out of range, ChecksumError if its checksum is wrong.
        """
        if not self._sync():
            return None
        (length,) = struct.unpack_from(">H", self._buf, len(PREAMBLE))
        if not MIN_LEN <= length <= self._max_len:
            raw = bytes(self._buf[:HEADER_LEN])
            self._skip(1)
            raise FramingError(f"frame length {length} out of range", raw=raw, code="length")
        total = HEADER_LEN + length
        if len(self._buf) < total:
            return None
        raw = bytes(self._buf[:total])
        if checksum(raw[len(PREAMBLE) : -1]) != raw[-1]:
            self._skip(1)
            raise ChecksumError("frame checksum mismatch", raw=raw, code="checksum")
        del self._buf[:total]
        return Frame(raw[HEADER_LEN:-1], raw)

    def _sync(self) -> bool:
        """Drop bytes before the first preamble; True when a full header is buffered."""
        start = self._buf.find(PREAMBLE)
        if start < 0:
            # keep a tail that may be the start of a preamble split across reads
            keep = len(PREAMBLE) - 1
            self._skip(max(0, len(self._buf) - keep))
            return False
        self._skip(start)
        return len(self._buf) >= HEADER_LEN

    def _skip(self, count: int) -> None:
        if count:
            self.discarded += count
            del self._buf[:count]


def drain_frames(decoder: FrameDecoder) -> list[Frame]:
    """Every complete frame buffered in `decoder`, skipping bad ones as a module skips what it cannot read."""
    frames: list[Frame] = []
    while True:
        try:
            frame = decoder.next_frame()
        except FramingError:
            continue
        if frame is None:
            return frames
        frames.append(frame)


def decode_frames(data: bytes) -> list[Frame]:
    """All valid frames in `data` (a helper for tests and traces)."""
    decoder = FrameDecoder()
    decoder.feed(data)
    return drain_frames(decoder)


@dataclass(frozen=True)
class CardRecord:
    """The data blocks of one read response, split by their announced lengths."""

    text: bytes
    photo: bytes
    fingerprint: bytes | None

    def __repr__(self) -> str:
        fp = "None" if self.fingerprint is None else f"<{len(self.fingerprint)} bytes>"
        return f"CardRecord(text=<{len(self.text)} bytes>, photo=<{len(self.photo)} bytes>, fingerprint={fp})"


def encode_card_record(text: bytes, photo: bytes, fingerprint: bytes | None = None) -> bytes:
    """Response data of a read command: lengths (2 or 3, big-endian) then the blocks in the same order."""
    if fingerprint is None:
        return struct.pack(">HH", len(text), len(photo)) + text + photo
    return struct.pack(">HHH", len(text), len(photo), len(fingerprint)) + text + photo + fingerprint


def decode_card_record(data: bytes, with_fingerprint: bool, raw: bytes = b"") -> CardRecord:
    """Split read-response data into text, photo and fingerprint.

    Raises ProtocolError if the announced lengths do not match the data or the text block is not 256 bytes.
    """
    fields = 3 if with_fingerprint else 2
    head = 2 * fields
    if len(data) < head:
        raise ProtocolError("read response too short for its length fields", raw=raw, code="recordLength")
    lengths = struct.unpack_from(">" + "H" * fields, data)
    if head + sum(lengths) != len(data):
        raise ProtocolError(f"read response lengths {lengths} do not match {len(data)} data bytes",
                            raw=raw, code="recordLength")
    if lengths[0] != TEXT_LEN:
        raise ProtocolError(f"text block is {lengths[0]} bytes, expected {TEXT_LEN}", raw=raw, code="textLength")
    text = data[head : head + lengths[0]]
    photo = data[head + lengths[0] : head + lengths[0] + lengths[1]]
    fingerprint = data[head + lengths[0] + lengths[1] :] if with_fingerprint else None
    return CardRecord(text, photo, fingerprint)


def decode_sam_id(data: bytes, wide: bool = False, raw: bytes = b"") -> str:
    """The printed SAM id, e.g. ``05.01-20101111-000123456-000654321``.

    Sources disagree on the width of the last two groups: 9 digits (HslCommunication) or 10 (A905Reader);
    `wide` picks 10. Raises ProtocolError if the data is not 16 bytes.
    """
    if len(data) != SAM_ID_DATA_LEN:
        raise ProtocolError(f"SAM id is {len(data)} bytes, expected {SAM_ID_DATA_LEN}", raw=raw, code="samId")
    width = 10 if wide else 9
    a, b, c = struct.unpack_from("<III", data, 4)
    return f"{data[0]:02d}.{data[2]:02d}-{a}-{b:0{width}d}-{c:0{width}d}"


def encode_sam_id(major: int, minor: int, serial: tuple[int, int, int]) -> bytes:
    """SAM id response data for the emulator (inverse of `decode_sam_id`)."""
    return bytes((major, 0, minor, 0)) + struct.pack("<III", *serial)
