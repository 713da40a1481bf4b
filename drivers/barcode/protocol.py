"""Serial barcode scanners: the bytes of line-oriented output and of the host commands, with no I/O.

A scanner in serial (RS-232 or USB-CDC) mode sends each decoded code as ``prefix + data + suffix +
terminator``; everything else on the line (power-up garbage, a half code after unplugging, binary junk)
must be refused without losing the next good code. `LineFramer` turns a byte stream into `Scan`,
`Rejected` and `MenuReply` events; it resynchronises on the prefix and after an idle gap.

Host commands are data (`MODELS`), each taken from the maker's published serial command set:
- "honeywell": Honeywell/Metrologic serial trigger ``SYN T CR`` / ``SYN U CR`` and menu commands
  ``SYN M CR <TAG><SUB><data><storage>`` answered by an echo with ACK / ENQ (bad tag) / NAK (bad data)
  before the storage character; "enable" = TRGMOD3 (presentation mode), "disable" = TRGMOD0 (manual /
  serial trigger mode: the scanner reads only when triggered). "!" stores in volatile memory.
- "cipherlab": single-byte ``E`` / ``D`` enable / disable, no answer.
- "plain": output only; every command is unsupported.
"""

from __future__ import annotations

import enum
import re
import string
from dataclasses import dataclass, field

from drivers.status import Completion

__all__ = [
    "ACK",
    "CR",
    "ENQ",
    "HONEYWELL_MENU",
    "MENU_PREFIX",
    "MODELS",
    "NAK",
    "PRINTABLE_ASCII",
    "QR_ALPHANUMERIC",
    "REPLY_COMPLETION",
    "STX",
    "SYN",
    "FramingConfig",
    "LineFramer",
    "MenuReply",
    "RejectReason",
    "Rejected",
    "Scan",
    "ScannerModel",
    "frame_scan",
    "menu_command",
    "menu_reply",
    "split_host_commands",
]

STX, CR, LF = b"\x02", b"\r", b"\n"
SYN = 0x16
ACK, ENQ, NAK = 0x06, 0x05, 0x15
MENU_PREFIX = b"\x16M\r"
STORAGE = b"!."  # volatile, non-volatile

PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x20, 0x7F))
QR_ALPHANUMERIC = frozenset(string.digits + string.ascii_uppercase + " $%*+-./:")

REPLY_COMPLETION = {ACK: Completion.SUCCESS, ENQ: Completion.INVALID_COMMAND, NAK: Completion.INVALID_DATA}
"""How a Honeywell menu-command answer maps to an XFS4IoT completion."""

HONEYWELL_MENU = {"TRGMOD": frozenset({"0", "3"})}
"""Menu tags the emulator knows, with their allowed data (0 = manual/serial trigger, 3 = presentation)."""


@dataclass(frozen=True)
class ScannerModel:
    """The command bytes of one scanner family; None where the family has no such command."""

    name: str
    trigger: bytes | None = None
    untrigger: bytes | None = None
    enable: bytes | None = None
    disable: bytes | None = None
    replies: bool = False  # enable/disable are answered with a menu-command echo


def menu_command(body: str, storage: bytes = b"!") -> bytes:
    """A Honeywell menu command, e.g. ``menu_command("TRGMOD3")``. Raises ValueError on a bad storage byte."""
    if storage not in (b"!", b"."):
        raise ValueError("storage must be b'!' or b'.'")
    return MENU_PREFIX + body.encode("ascii") + storage


def menu_reply(body: bytes, status: int, storage: bytes = b"!") -> bytes:
    """The scanner's echo of a menu command: body, status byte (ACK/ENQ/NAK), storage character."""
    return body + bytes([status]) + storage


MODELS = {
    "plain": ScannerModel("plain"),
    "honeywell": ScannerModel(
        "honeywell",
        trigger=b"\x16T\r",
        untrigger=b"\x16U\r",
        enable=menu_command("TRGMOD3"),
        disable=menu_command("TRGMOD0"),
        replies=True,
    ),
    "cipherlab": ScannerModel("cipherlab", enable=b"E", disable=b"D"),
}


class RejectReason(enum.Enum):
    """Why bytes on the line did not become a scan."""

    TOO_LONG = "too_long"
    BINARY = "binary"
    CHARSET = "charset"
    AFFIX = "affix"
    NOISE = "noise"


@dataclass(frozen=True)
class Scan:
    """One decoded code; `data` may carry personal data, so the repr shows only its length."""

    data: str = field(repr=False)

    def __repr__(self) -> str:
        return f"Scan(<{len(self.data)} chars>)"


@dataclass(frozen=True)
class Rejected:
    """Bytes dropped from the line, and why (the bytes themselves are not kept: they may be personal)."""

    reason: RejectReason
    size: int


@dataclass(frozen=True)
class MenuReply:
    """The echo of a menu command: its body (tag, subtag, data) and ACK, ENQ or NAK."""

    body: bytes
    status: int

    @property
    def completion(self) -> Completion:
        return REPLY_COMPLETION[self.status]


Event = Scan | Rejected | MenuReply


@dataclass(frozen=True)
class FramingConfig:
    """How the scanner is set up to frame its output (mirrors the scanner's own prefix/suffix settings).

    `charset` None accepts any printable text; `idle_reset` seconds of silence discard a partial line.
    """

    terminator: bytes = CR
    prefix: bytes = b""
    suffix: bytes = b""
    max_length: int = 512
    charset: frozenset[str] | None = PRINTABLE_ASCII
    require_affixes: bool = True
    idle_reset: float | None = 0.2
    menu_replies: bool = False

    def __post_init__(self) -> None:
        if not self.terminator or self.max_length < 1:
            raise ValueError("terminator must be non-empty and max_length >= 1")


def frame_scan(data: bytes, config: FramingConfig) -> bytes:
    """The bytes a scanner set up as `config` sends for one code (used by the emulator)."""
    return config.prefix + data + config.suffix + config.terminator


class LineFramer:
    """Bytes in, events out; keeps at most one line plus a few bytes, whatever arrives."""

    def __init__(self, config: FramingConfig) -> None:
        self.config = config
        marker = rb"|[\x05\x06\x15][!.]" if config.menu_replies else b""
        self._boundary = re.compile(re.escape(config.terminator) + marker)
        self._limit = config.max_length + len(config.prefix) + len(config.suffix) + 2
        self._keep = max(len(config.terminator), 2) - 1
        self._buf = bytearray()
        self._discarding = False
        self._last = 0.0

    def feed(self, data: bytes, now: float) -> list[Event]:
        """Consume `data` received at monotonic time `now`; return the events it completes."""
        events: list[Event] = []
        idle = self.config.idle_reset
        if (self._buf or self._discarding) and idle is not None and now - self._last > idle:
            if self._buf and not self._discarding:
                events.append(Rejected(RejectReason.NOISE, len(self._buf)))
            self._buf.clear()
            self._discarding = False
        self._last = now
        self._buf += data
        while (more := self._next()) is not None:
            events.extend(more)
        return events

    def _next(self) -> list[Event] | None:
        match = self._boundary.search(self._buf)
        if match is None:
            return self._overflow()
        boundary = match.group()  # copy before the buffer it points into changes
        chunk = bytes(self._buf[: match.start()])
        del self._buf[: match.end()]
        if self._discarding:
            self._discarding = False
            return []
        if boundary != self.config.terminator:
            return [MenuReply(chunk, boundary[0])]
        return self._line(chunk)

    def _overflow(self) -> list[Event] | None:
        """Drop a line that outgrew the limit, keeping a tail in case a boundary straddles two reads."""
        if self._discarding or len(self._buf) > self._limit:
            dropped = max(0, len(self._buf) - self._keep)
            del self._buf[:dropped]
            if not self._discarding:
                self._discarding = True
                return [Rejected(RejectReason.TOO_LONG, dropped)]
        return None

    def _line(self, chunk: bytes) -> list[Event]:
        events: list[Event] = []
        chunk = chunk.strip(b"\r\n")
        prefix, suffix = self.config.prefix, self.config.suffix
        if prefix:
            start = chunk.rfind(prefix)
            if start < 0:
                return [Rejected(RejectReason.AFFIX, len(chunk))] if chunk and self.config.require_affixes else []
            if start:
                events.append(Rejected(RejectReason.NOISE, start))  # garbage before the code: resync
            chunk = chunk[start + len(prefix) :]
        if suffix:
            if not chunk.endswith(suffix):
                return [*events, Rejected(RejectReason.AFFIX, len(chunk))] if self.config.require_affixes else events
            chunk = chunk[: -len(suffix)]
        if chunk:
            events.append(self._check(chunk))
        return events

    def _check(self, chunk: bytes) -> Event:
        """A scan, or why the bytes are not one."""
        if len(chunk) > self.config.max_length:
            return Rejected(RejectReason.TOO_LONG, len(chunk))
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return Rejected(RejectReason.BINARY, len(chunk))
        if not text.isprintable():
            return Rejected(RejectReason.BINARY, len(chunk))
        charset = self.config.charset
        if charset is not None and not charset.issuperset(text):
            return Rejected(RejectReason.CHARSET, len(chunk))
        return Scan(text)


def split_host_commands(buf: bytes, model: ScannerModel) -> tuple[list[bytes], bytes]:
    """Split bytes a host sent to a `model` scanner into whole commands and the incomplete rest.

    Bytes that start no command of the model are skipped, as a scanner ignores them.
    """
    fixed = [cmd for cmd in (model.trigger, model.untrigger) if cmd]
    if not model.replies:
        fixed += [cmd for cmd in (model.enable, model.disable) if cmd]
    alternatives = [re.escape(cmd) for cmd in fixed]
    if model.replies:
        alternatives.append(re.escape(MENU_PREFIX) + rb"[^!.\x16]*[!.]")
    if not alternatives:
        return [], b""
    commands, end = [], 0
    for match in re.finditer(b"|".join(alternatives), buf):
        commands.append(match.group())
        end = match.end()
    rest = buf[end:]
    partial = rest.rfind(b"\x16")
    return commands, (rest[partial:] if partial >= 0 else b"")
