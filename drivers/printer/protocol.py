"""ESC/POS facts python-escpos does not name: Chinese mode, real-time status tables, and a stream tokenizer.

No I/O. The driver builds jobs through python-escpos; the emulator uses `EscPosTokenizer` to read them back
and the status tables to answer `DLE EOT n` / `GS r n` as a real printer would.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

ESC, GS, FS, DLE, EOT = b"\x1b", b"\x1d", b"\x1c", b"\x10", b"\x04"
CHINESE_MODE_ON = FS + b"&"  # FS &: bytes >= 0x80 are GB2312/GB18030 double-byte characters
CHINESE_MODE_OFF = FS + b"."
INIT = ESC + b"@"

# Real-time status requests and the bits that matter in each answer (Epson ESC/POS, also on Chinese clones).
STATUS_PRINTER = DLE + EOT + b"\x01"
STATUS_OFFLINE = DLE + EOT + b"\x02"
STATUS_ERROR = DLE + EOT + b"\x03"
STATUS_PAPER = DLE + EOT + b"\x04"
PAPER_SENSOR = GS + b"r\x01"

DLE_EOT_FIXED_MASK, DLE_EOT_FIXED = 0x93, 0x12  # bits 1 and 4 set, bits 0 and 7 clear in every answer
STATUS_BITS: dict[bytes, dict[str, int]] = {
    STATUS_PRINTER: {"offline": 0x08},
    STATUS_OFFLINE: {"coverOpen": 0x04, "feedButton": 0x08, "paperEndStop": 0x20, "error": 0x40},
    STATUS_ERROR: {"cutterError": 0x08, "unrecoverable": 0x20, "autoRecoverable": 0x40},
    STATUS_PAPER: {"nearEnd": 0x0C, "paperOut": 0x60},
    PAPER_SENSOR: {"nearEnd": 0x03, "paperOut": 0x0C},
}


class PaperState(enum.Enum):
    """XFS4IoT Printer paper status, reduced to what a receipt roll can say."""

    FULL = "full"
    LOW = "low"
    OUT = "out"
    UNKNOWN = "unknown"


def decode_status(request: bytes, answer: int) -> frozenset[str]:
    """Flags set in a real-time status answer.

    Raises ValueError for an unknown request or a DLE EOT answer whose fixed bits are wrong.
    """
    if request not in STATUS_BITS:
        raise ValueError(f"not a status request: {request.hex()}")
    if request.startswith(DLE + EOT) and answer & DLE_EOT_FIXED_MASK != DLE_EOT_FIXED:
        raise ValueError(f"bad DLE EOT answer 0x{answer:02X}")
    return frozenset(name for name, mask in STATUS_BITS[request].items() if answer & mask)


def encode_status(request: bytes, flags: set[str] | frozenset[str]) -> int:
    """The answer byte a printer sends for `flags` (used by the emulator).

    Raises KeyError for a flag the request does not carry.
    """
    base = DLE_EOT_FIXED if request.startswith(DLE + EOT) else 0
    for flag in flags:
        base |= STATUS_BITS[request][flag]
    return base


def paper_state(flags: frozenset[str]) -> PaperState:
    """Paper state from the flags of a paper-sensor answer."""
    if "paperOut" in flags:
        return PaperState.OUT
    return PaperState.LOW if "nearEnd" in flags else PaperState.FULL


# ---- tokenizer ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """One command or text run: `kind` names it, `args` holds its parameter bytes (payload for QR/images)."""

    kind: str
    args: bytes = b""


def _fixed(kind: str, n: int) -> Callable[[bytes], tuple[Token, int] | None]:
    """A command of `n` bytes in all; its token carries the whole command (the value is `args[-1]`)."""

    def parse(buf: bytes) -> tuple[Token, int] | None:
        return (Token(kind, buf[:n]), n) if len(buf) >= n else None

    return parse


def _cut(buf: bytes) -> tuple[Token, int] | None:
    if len(buf) < 3:
        return None
    n = 4 if buf[2] in (65, 66) else 3  # GS V m or GS V m n (feed and cut)
    return (Token("cut", buf[:n]), n) if len(buf) >= n else None


def _gs_paren(kind: str) -> Callable[[bytes], tuple[Token, int] | None]:
    """GS ( x pL pH data: length-prefixed functions (QR code, graphics)."""

    def parse(buf: bytes) -> tuple[Token, int] | None:
        if len(buf) < 5:
            return None
        n = 5 + buf[3] + 256 * buf[4]
        return (Token(kind, buf[5:n]), n) if len(buf) >= n else None

    return parse


def _raster(buf: bytes) -> tuple[Token, int] | None:
    """GS v 0 m xL xH yL yH d1..dk, k = (xL + 256 xH) * (yL + 256 yH)."""
    if len(buf) < 8:
        return None
    n = 8 + (buf[4] + 256 * buf[5]) * (buf[6] + 256 * buf[7])
    return (Token("raster", buf[4:8]), n) if len(buf) >= n else None


# Prefix -> parser; the table is the tokenizer's knowledge of the command set.
COMMANDS: dict[bytes, Callable[[bytes], tuple[Token, int] | None]] = {
    INIT: _fixed("init", 2), CHINESE_MODE_ON: _fixed("chineseOn", 2), CHINESE_MODE_OFF: _fixed("chineseOff", 2),
    ESC + b"a": _fixed("align", 3), ESC + b"E": _fixed("bold", 3), ESC + b"!": _fixed("mode", 3),
    ESC + b"-": _fixed("underline", 3), ESC + b"M": _fixed("font", 3), ESC + b"t": _fixed("codepage", 3),
    ESC + b"d": _fixed("feed", 3), ESC + b"R": _fixed("charset", 3), ESC + b"{": _fixed("flip", 3),
    ESC + b"2": _fixed("spacingReset", 2), ESC + b"3": _fixed("spacing", 3), ESC + b"J": _fixed("feedDots", 3),
    ESC + b"G": _fixed("doubleStrike", 3), GS + b"!": _fixed("size", 3), GS + b"B": _fixed("invert", 3),
    GS + b"b": _fixed("smooth", 3), GS + b"|": _fixed("density", 3), GS + b"V": _cut,
    GS + b"(k": _gs_paren("qr"), GS + b"(L": _gs_paren("graphics"), GS + b"v0": _raster,
    STATUS_PRINTER: _fixed("status", 3), STATUS_OFFLINE: _fixed("status", 3), STATUS_ERROR: _fixed("status", 3),
    STATUS_PAPER: _fixed("status", 3), PAPER_SENSOR: _fixed("status", 3), FS + b"!": _fixed("chineseMode", 3),
}
_PREFIXES = sorted(COMMANDS, key=len, reverse=True)
CONTROLS = {b"\n": "lf", b"\r": "cr", b"\t": "tab", b"\x0c": "ff"}


class EscPosTokenizer:
    """Incremental: feed bytes, get whole commands and text runs; partial commands wait for more bytes."""

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, data: bytes) -> list[Token]:
        """Tokens completed by `data` (unknown commands come out as `unknown` tokens of their first 2 bytes)."""
        self._buf += data
        out: list[Token] = []
        while self._buf and (step := self._next()) is not None:
            token, used = step
            out.append(token)
            self._buf = self._buf[used:]
        return out

    def _next(self) -> tuple[Token, int] | None:
        buf = self._buf
        if buf[0] >= 0x20:
            end = next((i for i, b in enumerate(buf) if b < 0x20), len(buf))
            return Token("text", buf[:end]), end
        if buf[:1] in CONTROLS:
            return Token(CONTROLS[buf[:1]]), 1
        for prefix in _PREFIXES:
            if buf.startswith(prefix):
                return COMMANDS[prefix](buf)
            if prefix.startswith(buf):
                return None  # could still become this command
        return Token("unknown", buf[:2]), min(2, len(buf))
