"""Find or start the machine's one pcscd, and lease a free vpcd slot for a virtual card.

Only one pcscd can run per machine and it reads `/etc/reader.conf.d/vpcd` only at start, so every test
process and emulator shares it: `ensure_pcscd()` reuses a running daemon or starts `pcscd --foreground`
detached (it outlives the starter, so a later process can keep using it). Two vpcd slots exist; a slot is
leased with an exclusive `flock` on a lock file, so concurrent processes never put two cards on one port.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from smartcard import scard

from drivers.chip.pcsc_service import find_running_socket, socket_path
from drivers.chip.pcsc_service import pcscd_running as pcscd_running  # re-exported for the tests
from drivers.errors import DeviceTimeout, LinkError

log = logging.getLogger(__name__)

VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
LOCK_DIR = Path(tempfile.gettempdir())
LOG_PATH = LOCK_DIR / "kiosk-pcscd.log"


@dataclass(frozen=True)
class VpcdSlot:
    """One vpcd reader as pcscd names it, and the TCP port its virtual card connects to."""

    reader: str
    port: int
    host: str = "127.0.0.1"


VPCD_SLOTS: tuple[VpcdSlot, ...] = (
    VpcdSlot("Virtual PCD 00 00", 35963),
    VpcdSlot("Virtual PCD 00 01", 35964),
)


@dataclass(frozen=True)
class PcscdInfo:
    """What `ensure_pcscd` found: whether this call started the daemon, its pid, and its log file."""

    started: bool
    pid: int | None = None
    log_path: Path | None = None


def vpcd_ports_taken(slots: tuple[VpcdSlot, ...] = VPCD_SLOTS) -> bool:
    """True if some process (a pcscd) already listens on a vpcd port; binding tests this without connecting."""
    for slot in slots:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("0.0.0.0", slot.port))
            except OSError:
                return True
    return False


def list_readers() -> list[str]:
    """Reader names pcscd offers now; [] when pcscd is not running or has no reader."""
    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv != scard.SCARD_S_SUCCESS:
        return []
    try:
        rv, readers = scard.SCardListReaders(ctx, [])
        return list(readers) if rv == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(ctx)


def wait_for_reader(reader: str, *, present: bool, timeout: float = 5.0) -> bool:
    """Block until pcscd reports a card present (or gone) in `reader`; False on timeout or without pcscd.

    pcscd polls vpcd every ~0.4 s, so a virtual card's insert or removal shows up that much later; tests
    that swap cards quickly call this to stay in step (it waits on pcscd's events, not a fixed sleep).
    """
    rv, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rv != scard.SCARD_S_SUCCESS:
        return False
    try:
        deadline = time.monotonic() + timeout
        known = scard.SCARD_STATE_UNAWARE
        while True:
            rv, states = scard.SCardGetStatusChange(
                ctx, 0 if known == scard.SCARD_STATE_UNAWARE else 100, [(reader, known)]
            )
            if rv not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT):
                return False
            known = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if bool(known & scard.SCARD_STATE_PRESENT) == present:
                return True
            if time.monotonic() >= deadline:
                return False
    finally:
        scard.SCardReleaseContext(ctx)


def ensure_pcscd(timeout: float = 15.0, *, readers: tuple[str, ...] | None = None) -> PcscdInfo:
    """Reuse the running pcscd or start one, then wait until it offers the vpcd readers.

    Call it before anything else in the process talks PC/SC: when the live pcscd's socket is not the
    default one, this sets PCSCLITE_CSOCK_NAME, which libpcsclite reads once per process.
    Raises LinkError if pcscd or the vpcd driver is not installed, or the vpcd ports belong to a pcscd
    this process cannot reach; DeviceTimeout if the readers do not appear within `timeout` seconds.
    """
    wanted = readers if readers is not None else tuple(s.reader for s in VPCD_SLOTS)
    info, proc = PcscdInfo(started=False), None
    with _file_lock(LOCK_DIR / "kiosk-pcscd-start.lock", timeout):
        found = find_running_socket()
        if found is not None and found != socket_path():
            log.info("using pcscd socket %s", found)
            os.environ["PCSCLITE_CSOCK_NAME"] = str(found)
        elif found is None:
            if vpcd_ports_taken():
                raise LinkError("vpcd ports are held by a pcscd whose socket is unreachable", code="pcscdElsewhere")
            proc = _start_pcscd()
            info = PcscdInfo(started=True, pid=proc.pid, log_path=LOG_PATH)
        try:
            _wait_for_readers(wanted, timeout, proc)
        except (LinkError, DeviceTimeout):
            if proc is not None and proc.poll() is None:  # ours and useless: do not leave it holding the socket
                proc.terminate()
                proc.wait(timeout=5)
            raise
    return info


def _start_pcscd() -> subprocess.Popen[bytes]:
    """Start `pcscd --foreground` in its own session so it outlives this process."""
    exe = shutil.which("pcscd") or ("/usr/sbin/pcscd" if Path("/usr/sbin/pcscd").exists() else None)
    if exe is None:
        raise LinkError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)", code="noPcscd")
    if not VPCD_CONF.exists():
        raise LinkError(f"{VPCD_CONF} missing (apt-get install vsmartcard-vpcd)", code="noVpcd")
    log_path = LOG_PATH
    with open(log_path, "ab") as out:
        proc = subprocess.Popen(
            [exe, "--foreground"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    log.info("started pcscd pid=%d log=%s", proc.pid, log_path)
    return proc


def _wait_for_readers(wanted: tuple[str, ...], timeout: float, proc: subprocess.Popen[bytes] | None) -> None:
    """Poll pcscd (daemon start-up has no event to wait on) until every wanted reader is listed.

    Raises LinkError if the pcscd we started exits; DeviceTimeout if the readers do not show up.
    """
    deadline = time.monotonic() + timeout
    while True:
        present = list_readers()
        if all(name in present for name in wanted):
            return
        if proc is not None and proc.poll() is not None:
            raise LinkError(f"pcscd exited with {proc.returncode} (see {LOG_PATH})", code="pcscdExited")
        if time.monotonic() >= deadline:
            raise DeviceTimeout(
                f"pcscd offers {present}, expected {list(wanted)} (see {LOG_PATH}; PCSCLITE_CSOCK_NAME is read once "
                "per process, so call ensure_pcscd before any other PC/SC use)"
            )
        time.sleep(0.05)


class SlotLease:
    """An exclusive, cross-process claim on one vpcd slot; release it (or use `with`) when done."""

    def __init__(self, slot: VpcdSlot, fd: int) -> None:
        self.slot = slot
        self._fd: int | None = fd

    @property
    def reader(self) -> str:
        return self.slot.reader

    @property
    def port(self) -> int:
        return self.slot.port

    def release(self) -> None:
        """Give the slot back; idempotent."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SlotLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"SlotLease({self.slot.reader!r}, port={self.slot.port}, held={self._fd is not None})"


def lease_slot(timeout: float = 30.0, slots: tuple[VpcdSlot, ...] = VPCD_SLOTS) -> SlotLease:
    """Claim the first vpcd slot no other process holds, waiting up to `timeout` seconds for one.

    Raises DeviceTimeout if every slot stays taken.
    """
    deadline = time.monotonic() + timeout
    while True:
        for slot in slots:
            fd = _try_lock(_slot_lock_path(slot))
            if fd is not None:
                return SlotLease(slot, fd)
        if time.monotonic() >= deadline:
            raise DeviceTimeout(f"all vpcd slots busy for {timeout:.1f} s", code="noFreeSlot")
        time.sleep(0.02)


def lease_reader(reader: str, timeout: float = 30.0) -> SlotLease:
    """Claim the vpcd slot of one named reader (e.g. the one a config names), waiting for it.

    Raises ValueError for a reader that is not a vpcd slot; DeviceTimeout if it stays taken.
    """
    matching = tuple(s for s in VPCD_SLOTS if s.reader == reader)
    if not matching:
        raise ValueError(f"{reader!r} is not a vpcd reader")
    return lease_slot(timeout, matching)


def _slot_lock_path(slot: VpcdSlot) -> Path:
    return LOCK_DIR / f"kiosk-vpcd-{slot.port}.lock"


def _try_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float):
    """Serialise pcscd start-up between processes."""
    deadline = time.monotonic() + timeout
    while (fd := _try_lock(path)) is None:
        if time.monotonic() >= deadline:
            raise DeviceTimeout(f"another process holds {path} for {timeout:.1f} s")
        time.sleep(0.02)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
