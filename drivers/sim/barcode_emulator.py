"""A serial barcode scanner on a pty: "scans" payloads on command and answers the host's commands.

Tests drive it by method calls: `show()` puts a code in front of the scanner, `send_raw()` and `noise()`
put any bytes on the line, `send_chunks()` splits a code over several writes, `unplug()` / `replug()`
pull and return the cable. `path` is a stable symlink (like /dev/serial/by-id/...) that vanishes while
unplugged and points at a fresh pty after a replug, so a driver reconnects to the same name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable

from drivers.barcode.protocol import (
    ACK,
    ENQ,
    HONEYWELL_MENU,
    MENU_PREFIX,
    MODELS,
    NAK,
    FramingConfig,
    frame_scan,
    menu_reply,
    split_host_commands,
)
from drivers.sim.pty_link import PtyLink

__all__ = ["BarcodeEmulator"]

log = logging.getLogger(__name__)


class BarcodeEmulator:
    """One scanner of `model` framing its output as `framing` says, starting in presentation mode."""

    def __init__(self, model: str = "honeywell", framing: FramingConfig | None = None) -> None:
        self.model = MODELS[model]
        self.framing = framing or FramingConfig()
        self.presentation = True  # reads whatever is shown; False = reads only when triggered
        self.enabled = True
        self.triggered = False
        self.commands: list[bytes] = []
        self._shown: bytes | None = None
        self._cond = threading.Condition()
        self._dir = tempfile.mkdtemp(prefix="barcode-emu-")
        self.path = os.path.join(self._dir, "scanner")
        self._link: PtyLink | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.replug()

    # --- the customer and the cable --------------------------------------------------------------------------

    def show(self, payload: str | bytes) -> None:
        """Hold a code in front of the scanner: sent now in presentation mode, else at the next trigger."""
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        with self._cond:
            self._shown = data
            self._read_if_possible()

    def send_raw(self, data: bytes) -> None:
        """Put arbitrary bytes on the line (binary junk, an over-long burst, a hand-made frame)."""
        self._require_link().write(data)

    def noise(self, data: bytes = b"\x00\xff\xfe\x13\x80") -> None:
        """Line noise without a terminator, as at power-up or when a cable is wiggled."""
        self.send_raw(data)

    def send_chunks(self, payload: bytes, sizes: Iterable[int], pace: Callable[[int], None] | None = None) -> None:
        """Send one framed code in pieces of `sizes` bytes (the rest last); `pace(sent_so_far)` runs between.

        `pace` lets a test wait until the driver has read each piece, so the pieces arrive in separate reads.
        """
        frame, sent = frame_scan(payload, self.framing), 0
        for size in [*sizes, len(frame)]:
            piece = frame[sent : sent + size]
            if not piece:
                break
            self.send_raw(piece)
            sent += len(piece)
            if pace is not None and sent < len(frame):
                pace(sent)

    def unplug(self) -> None:
        """Pull the cable: the device name vanishes and the driver's port breaks."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._link is not None:
            self._link.close()
        self._link = self._thread = None

    def replug(self) -> None:
        """Plug the cable in again: a fresh pty behind the same `path`."""
        self.unplug()
        self._stop = threading.Event()
        self._link = PtyLink()
        tmp = self.path + ".new"
        os.symlink(self._link.path, tmp)
        os.replace(tmp, self.path)
        self._thread = threading.Thread(
            target=self._serve, args=(self._link, self._stop), daemon=True, name="barcode-emulator"
        )
        self._thread.start()

    def wait_for_commands(self, count: int, timeout: float = 5.0) -> bool:
        """True once at least `count` host commands have arrived (a safety-net timeout only)."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self.commands) >= count, timeout)

    def close(self) -> None:
        """Unplug and remove the device name's directory."""
        self.unplug()
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)

    def __enter__(self) -> BarcodeEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the scanner's side --------------------------------------------------------------------------------

    def _require_link(self) -> PtyLink:
        if self._link is None:
            raise RuntimeError("emulator is unplugged")
        return self._link

    def _read_if_possible(self) -> None:
        """Send the shown code if the scanner would read it now (caller holds the lock)."""
        if self._shown is None or self._link is None:
            return
        if (self.presentation and self.enabled) or self.triggered:
            self._link.write(frame_scan(self._shown, self.framing))
            self._shown = None
            self.triggered = False

    def _serve(self, link: PtyLink, stop: threading.Event) -> None:
        pending = b""
        while not stop.is_set():
            data = link.read(timeout=0.05)
            if not data:
                continue
            commands, pending = split_host_commands(pending + data, self.model)
            for command in commands:
                self._apply(link, command)

    def _apply(self, link: PtyLink, command: bytes) -> None:
        with self._cond:
            self.commands.append(command)
            if command == self.model.trigger:
                self.triggered = True
            elif command == self.model.untrigger:
                self.triggered = False
            elif command.startswith(MENU_PREFIX):
                link.write(self._menu(command[len(MENU_PREFIX) : -1], command[-1:]))
            elif command in (self.model.enable, self.model.disable):
                self.enabled = command == self.model.enable
            self._read_if_possible()
            self._cond.notify_all()

    def _menu(self, body: bytes, storage: bytes) -> bytes:
        """Apply a menu command and build its echo: ACK, ENQ (unknown tag) or NAK (bad data)."""
        text = body.decode("ascii", "replace")
        allowed = HONEYWELL_MENU.get(text[:6])
        if allowed is None:
            return menu_reply(body, ENQ, storage)
        if text[6:] not in allowed:
            return menu_reply(body, NAK, storage)
        self.presentation = text[6:] == "3"
        return menu_reply(body, ACK, storage)
