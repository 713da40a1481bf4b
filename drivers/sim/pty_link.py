"""The master side of a pseudo-terminal, owned by an emulator; the driver opens the slave path like a port."""

from __future__ import annotations

import contextlib
import os
import select
import tty


class PtyLink:
    """A raw pty pair: the emulator reads and writes `master`; a driver opens `path` with pyserial.

    Raises OSError if the system has no free pseudo-terminals.
    """

    def __init__(self) -> None:
        self.master, self._slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        self._closed = False

    def read(self, timeout: float | None = None, size: int = 4096) -> bytes:
        """Bytes the driver wrote, or b"" when none arrive within `timeout` (None blocks)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(self.master, size)
        except OSError:  # slave side closed by the driver
            return b""

    def write(self, data: bytes) -> None:
        """Send bytes to the driver as the device would."""
        view = memoryview(data)
        while view:
            n = os.write(self.master, view)
            view = view[n:]

    def close(self) -> None:
        """Close both ends: a driver then sees the device as unplugged."""
        if self._closed:
            return
        self._closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
