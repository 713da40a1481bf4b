"""An ESC/POS receipt printer on a pty: records every byte, answers status requests, previews as text.

Tests set the paper and cover (`set_paper`, `set_cover_open`), print through the real driver, then read
`received` (the raw stream), `tokens`, and `receipts` (a readable text preview per cut). `wait_for_cuts`
blocks on a condition, not a sleep, until the firmware thread has seen the cuts.
"""

from __future__ import annotations

import logging
import os
import select
import threading
import unicodedata
from dataclasses import dataclass, field

from drivers.printer.protocol import (
    STATUS_BITS,
    EscPosTokenizer,
    PaperState,
    Token,
    encode_status,
)
from drivers.sim.pty_link import PtyLink

log = logging.getLogger(__name__)

CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866"}  # ESC t n -> codec, for non-Chinese mode


def display_width(text: str) -> int:
    """Columns a line takes on the printer: CJK (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@dataclass
class _Style:
    chinese: bool = False
    codepage: int = 0
    align: int = 0
    bold: bool = False
    double: bool = False


@dataclass
class _Page:
    lines: list[str] = field(default_factory=list)
    line: bytearray = field(default_factory=bytearray)


class PrinterEmulator:
    """A receipt printer with `columns` characters per line (48 for 80 mm paper, 32 for 58 mm).

    Raises OSError if no pty is free.
    """

    def __init__(self, *, columns: int = 48) -> None:
        self.columns = columns
        self._link = PtyLink()
        self.path = self._link.path
        self._cond = threading.Condition()
        self._received = bytearray()
        self._tokens: list[Token] = []
        self._receipts: list[str] = []
        self._paper = PaperState.FULL
        self._cover_open = False
        self._tokenizer = EscPosTokenizer()
        self._style = _Style()
        self._page = _Page()
        self._stop = False
        self._wake_r, self._wake_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="printer-emulator", daemon=True)
        self._thread.start()

    # ---- test-facing ------------------------------------------------------------------------------------

    def set_paper(self, state: PaperState) -> None:
        """Load a full roll, reach the near-end sensor, or run out."""
        with self._cond:
            self._paper = state

    def set_cover_open(self, is_open: bool = True) -> None:
        with self._cond:
            self._cover_open = is_open

    @property
    def received(self) -> bytes:
        with self._cond:
            return bytes(self._received)

    @property
    def tokens(self) -> list[Token]:
        with self._cond:
            return list(self._tokens)

    @property
    def receipts(self) -> list[str]:
        """One text preview per cut: text lines aligned as printed, `[QR] data` for QR codes."""
        with self._cond:
            return list(self._receipts)

    def wait_for_cuts(self, count: int, timeout: float = 10.0) -> bool:
        """True once `count` receipts have been cut (the timeout is only a safety net)."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._receipts) >= count, timeout)

    def close(self) -> None:
        if self._stop:
            return
        self._stop = True
        os.write(self._wake_w, b"w")
        self._thread.join(timeout=5)
        self._link.close()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)

    def __enter__(self) -> PrinterEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- firmware ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop:
            ready, _, _ = select.select([self._link.master, self._wake_r], [], [])
            if self._link.master not in ready:
                continue
            data = self._link.read(timeout=0)
            with self._cond:
                self._received += data
                for token in self._tokenizer.feed(data):
                    self._tokens.append(token)
                    self._apply(token)
                self._cond.notify_all()

    def _flags(self, request: bytes) -> set[str]:
        flags = set()
        if self._paper is PaperState.OUT:
            flags |= {"paperOut", "nearEnd", "paperEndStop"}
        elif self._paper is PaperState.LOW:
            flags.add("nearEnd")
        if self._cover_open:
            flags |= {"coverOpen", "offline"}
        if self._paper is PaperState.OUT:
            flags.add("offline")
        return flags & set(STATUS_BITS[request])

    def _apply(self, token: Token) -> None:
        kind, args, style = token.kind, token.args, self._style
        if kind == "status":
            self._link.write(bytes([encode_status(args, self._flags(args))]))
        elif kind == "text":
            self._page.line += args
        elif kind in ("lf", "feed"):
            self._newline(1 if kind == "lf" else args[-1])
        elif kind == "init":
            self._style = _Style()
        elif kind in ("chineseOn", "chineseOff"):
            style.chinese = kind == "chineseOn"
        elif kind in ("align", "bold", "codepage"):
            setattr(style, kind, args[-1] if kind != "bold" else bool(args[-1]))
        elif kind in ("mode", "size"):
            style.double = bool(args[-1] & (0x30 if kind == "mode" else 0x11))
        elif kind == "qr" and args[:3] == b"1P0":
            self._page.lines.append(self._aligned(f"[QR] {args[3:].decode('utf-8', 'replace')}"))
        elif kind == "cut":
            self._cut()
        elif kind == "unknown":
            log.debug("printer emulator: unknown command %s", args.hex())

    def _decode(self, raw: bytes) -> str:
        if self._style.chinese:
            return raw.decode("gb18030", "replace")
        return raw.decode(CODEPAGES.get(self._style.codepage, "cp437"), "replace")

    def _aligned(self, text: str) -> str:
        width = display_width(text) * (2 if self._style.double else 1)
        pad = max(0, self.columns - width)
        lead = {0: 0, 1: pad // 2, 2: pad}.get(self._style.align, 0)
        return " " * lead + text

    def _newline(self, count: int) -> None:
        page = self._page
        if page.line or count == 1:
            text = self._decode(bytes(page.line))
            page.lines.append(self._aligned(text) if text else "")
            page.line.clear()
            count -= 1
        page.lines.extend([""] * count)

    def _cut(self) -> None:
        if self._page.line:
            self._newline(1)
        while self._page.lines and not self._page.lines[-1]:
            self._page.lines.pop()
        self._receipts.append("\n".join(line.rstrip() for line in self._page.lines))
        self._page = _Page()
