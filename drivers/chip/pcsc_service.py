"""Where the machine's pcscd is and which readers it offers: what `kiosk doctor` and the emulators both ask.

Why in `drivers/chip` and not beside the emulators: a production kiosk asks the same questions (is pcscd up,
what is the IC station's reader called) and must not import anything of `drivers.sim` to answer them.
"""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path

from smartcard import scard

from drivers.chip.errors import PcscUnavailable

PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")


def socket_path() -> Path:
    """The client socket libpcsclite uses: $PCSCLITE_CSOCK_NAME, else /run/pcscd/pcscd.comm."""
    return Path(os.environ.get("PCSCLITE_CSOCK_NAME") or PCSCD_SOCKET)


def pcscd_running(path: Path | None = None) -> bool:
    """True when something accepts connections on pcscd's client socket (a stale file is not enough)."""
    path = path or socket_path()
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def find_running_socket() -> Path | None:
    """The client socket of a live pcscd, also one running in another root (a chroot's /run).

    A pcscd started inside a chroot holds the vpcd TCP ports (the network is shared) but its socket is
    under the chroot, so a second pcscd here could never offer the vpcd readers; `/proc/PID/root` reaches it.
    """
    if pcscd_running():
        return socket_path()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() != "pcscd":
                continue
            candidate = comm.parent / "root" / str(PCSCD_SOCKET).lstrip("/")
            if pcscd_running(candidate):
                return candidate
    return None


def list_readers() -> list[str]:
    """The PC/SC reader names pcscd offers now (branch IT copies the IC station's name into the config).

    Raises PcscUnavailable if pcscd does not answer.
    """
    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv != scard.SCARD_S_SUCCESS:
        raise PcscUnavailable(f"pcscd not reachable: {scard.SCardGetErrorMessage(rv)}", code=f"0x{rv & 0xFFFFFFFF:08X}")
    try:
        rv, names = scard.SCardListReaders(ctx, [])
        if rv == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        if rv != scard.SCARD_S_SUCCESS:
            raise PcscUnavailable(f"cannot list readers: {scard.SCardGetErrorMessage(rv)}",
                                  code=f"0x{rv & 0xFFFFFFFF:08X}")
        return list(names)
    finally:
        scard.SCardReleaseContext(ctx)
