"""The receipt printer driver: python-escpos builds the commands, one pyserial port carries them.

Why not `escpos.printer.Serial`: it opens the port with `serial.Serial(port=...)` inside a lazily-evaluated
property and closes in `__del__`; we open once with `serial.serial_for_url` (ptys, `loop://`, sockets work the
same) and hand that port to a tiny `Escpos` subclass whose `_raw` / `_read` are the one transport seam.

Why text bypasses python-escpos's MagicEncode: MagicEncode sends a line as GB18030 only if it contains a CJK
ideograph (U+4E00..U+9FA5) and never selects Chinese mode; lines without ideographs (a full-width colon "：",
"¥") go through single-byte code pages (`ESC t n`) and print "?". We select Chinese mode (`FS &`) once per
job, after `ESC @`, and encode every text run as GB18030 — which is ASCII for ASCII, so nothing else changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import serial
from escpos.constants import QR_ECLEVEL_M
from escpos.escpos import Escpos

from drivers.errors import DeviceTimeout, LinkError, ProtocolError
from drivers.printer.protocol import (
    CHINESE_MODE_ON,
    INIT,
    STATUS_OFFLINE,
    STATUS_PAPER,
    STATUS_PRINTER,
    PaperState,
    decode_status,
    paper_state,
)
from drivers.printer.template import Feed, QrCode, Receipt, Rule, TextLine
from drivers.status import Completion, DeviceState, DeviceStatus, Result

log = logging.getLogger(__name__)


class _PortEscpos(Escpos):
    """python-escpos over a port we own: `_raw` writes, `_read` reads one status byte, text is GB18030."""

    def __init__(self, port: serial.SerialBase, profile: str | None = None) -> None:
        super().__init__(profile=profile)
        self._port = port
        self._device = port  # opened by the owner: stops Escpos.device from "opening" anything

    def _raw(self, msg: bytes) -> None:
        try:
            self._port.write(msg)
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"printer write failed: {exc}", code="write") from exc

    def _read(self) -> bytes:
        try:
            return self._port.read(1)
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"printer read failed: {exc}", code="read") from exc

    def text(self, txt: str) -> None:
        self._raw(str(txt).encode("gb18030"))

    def close(self) -> None:
        """The owner closes the port; Escpos.__del__ calls this and must not touch it."""


@dataclass(frozen=True)
class PrinterState:
    """What the real-time status requests said."""

    online: bool
    cover_open: bool
    paper: PaperState


class ReceiptPrinter:
    """An ESC/POS receipt printer on `port` (anything `serial.serial_for_url` opens).

    Raises LinkError on open if the port cannot be opened.
    """

    def __init__(self, port: str, baudrate: int = 9600, *, timeout: float = 2.0, columns: int = 48,
                 profile: str | None = None) -> None:
        self.port = port
        self.baudrate = baudrate
        self.timeout = timeout
        self.columns = columns
        self._profile = profile
        self._serial: serial.SerialBase | None = None
        self._escpos: _PortEscpos | None = None

    def open(self) -> None:
        """Open the port.

        Raises LinkError if it cannot be opened.
        """
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=self.timeout)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise LinkError(f"cannot open printer port: {exc}", code="open") from exc
        self._escpos = _PortEscpos(self._serial, self._profile)

    def close(self) -> None:
        """Close the port (idempotent)."""
        if self._serial is not None:
            self._serial.close()
        self._serial = self._escpos = None

    def __enter__(self) -> ReceiptPrinter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _p(self) -> _PortEscpos:
        if self._escpos is None:
            self.open()
        assert self._escpos is not None
        return self._escpos

    # ---- status -----------------------------------------------------------------------------------------

    def _query(self, request: bytes) -> frozenset[str]:
        """Send one real-time status request and decode its one-byte answer.

        Raises DeviceTimeout if no answer comes, ProtocolError if the answer is malformed.
        """
        answer = self._p.query_status(request)
        if not answer:
            raise DeviceTimeout(f"printer did not answer status {request.hex()}", code="status")
        try:
            return decode_status(request, answer[0])
        except ValueError as exc:
            raise ProtocolError(str(exc), raw=answer, code="status") from exc

    def state(self) -> PrinterState:
        """Online, cover and paper state from DLE EOT 1, 2 and 4.

        Raises DeviceTimeout/LinkError if the printer does not answer, ProtocolError on a malformed answer.
        """
        online = "offline" not in self._query(STATUS_PRINTER)
        cover_open = "coverOpen" in self._query(STATUS_OFFLINE)
        return PrinterState(online, cover_open, paper_state(self._query(STATUS_PAPER)))

    def status(self) -> DeviceStatus:
        """Common status for `kiosk doctor`: never raises, a dead line is reported as a state."""
        try:
            state = self.state()
        except LinkError as exc:
            return DeviceStatus(DeviceState.NO_DEVICE, {"error": exc.code or "link"})
        except DeviceTimeout:
            return DeviceStatus(DeviceState.OFFLINE, {"error": "timeout"})
        except ProtocolError as exc:
            return DeviceStatus(DeviceState.HARDWARE_ERROR, {"error": str(exc)})
        details = {"paper": state.paper.value, "cover": "open" if state.cover_open else "closed"}
        if state.cover_open or state.paper is PaperState.OUT:
            return DeviceStatus(DeviceState.USER_ERROR, details)
        return DeviceStatus(DeviceState.ONLINE if state.online else DeviceState.OFFLINE, details)

    # ---- printing ---------------------------------------------------------------------------------------

    def print_receipt(self, receipt: Receipt) -> Result[PaperState]:
        """Print a rendered receipt and cut; the value is the paper state after printing.

        Refuses (`deviceNotReady`) with `paperOut`, `coverOpen` or `offline` before sending a byte.
        Raises DeviceTimeout/LinkError if the printer does not answer.
        """
        before = self.state()
        refusal = ("paperOut" if before.paper is PaperState.OUT else "coverOpen" if before.cover_open
                   else None if before.online else "offline")
        if refusal:
            return Result(Completion.DEVICE_NOT_READY, refusal)
        self._p._raw(INIT + CHINESE_MODE_ON)
        for element in receipt.elements:
            self._element(element)
        self._p.cut()
        after = paper_state(self._query(STATUS_PAPER))
        if after is PaperState.OUT:
            return Result(Completion.HARDWARE_ERROR, "paperOut", detail="paper ran out while printing")
        if after is PaperState.LOW:
            log.warning("receipt paper near end")
        return Result.success(after)

    def _element(self, element: object) -> None:
        p = self._p
        if isinstance(element, TextLine):
            p.set(align=element.align, bold=element.bold, double_height=element.double,
                  double_width=element.double, normal_textsize=not element.double)
            p.textln(element.text)
        elif isinstance(element, QrCode):
            p.set(align=element.align)
            p.qr(element.data, ec=QR_ECLEVEL_M, size=element.size, native=True)
            p.ln()
        elif isinstance(element, Rule):
            p.set(align="left", bold=False, normal_textsize=True)
            p.textln("-" * self.columns)
        elif isinstance(element, Feed):
            p.print_and_feed(element.lines)
