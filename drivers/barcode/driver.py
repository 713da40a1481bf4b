"""A serial barcode scanner: a reader thread turns the line into scans; commands go out on the same port.

The port is opened with `serial.serial_for_url`, so a device path, a /dev/serial/by-id symlink, a pty
(the emulator) and ``loop://`` all work. When the scanner is unplugged the reader notices the broken link,
reports `LinkChanged(online=False)` and keeps reopening the same path until it comes back.

Scans reach the caller two ways: `on_event` (called on the reader thread: a UI must hop to its own thread,
e.g. Kivy's `Clock.schedule_once`) and `next_scan()`, which waits with a timeout and a cancel Event.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from drivers.barcode.protocol import (
    MENU_PREFIX,
    MODELS,
    FramingConfig,
    LineFramer,
    MenuReply,
    Rejected,
    Scan,
    ScannerModel,
    menu_command,
)
from drivers.errors import LinkError
from drivers.status import Completion, DeviceState, DeviceStatus, Result

__all__ = ["BarcodeScanner", "LinkChanged", "ScannerConfig", "ScannerEvent"]

log = logging.getLogger(__name__)
_WAIT_SLICE = 0.05  # how often a waiting caller looks at its cancel Event


@dataclass(frozen=True)
class ScannerConfig:
    """Where the scanner is and how it talks; `model` names an entry of `protocol.MODELS`."""

    url: str
    model: str = "plain"
    baudrate: int = 9600
    framing: FramingConfig = field(default_factory=FramingConfig)
    reconnect_interval: float = 0.5
    command_timeout: float = 2.0
    read_poll: float = 0.1  # longest a read blocks; bounds how fast close() returns
    queue_size: int = 8

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"unknown scanner model {self.model!r}; known: {sorted(MODELS)}")


@dataclass(frozen=True)
class LinkChanged:
    """The port opened (online) or broke / could not be opened (offline)."""

    online: bool
    detail: str = ""


ScannerEvent = Scan | Rejected | LinkChanged


class BarcodeScanner:
    """Reads codes from a serial scanner and sends it the commands its model has.

    Raises nothing from the constructor; `start()` launches the reader, which survives unplugging.
    """

    def __init__(
        self,
        config: ScannerConfig,
        on_event: Callable[[ScannerEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.model: ScannerModel = MODELS[config.model]
        framing = config.framing
        if self.model.replies and not framing.menu_replies:
            framing = dataclasses.replace(framing, menu_replies=True)
        self._framing = framing
        self._framer = LineFramer(framing)
        self._on_event = on_event
        self._clock = clock
        self._scans: deque[Scan] = deque(maxlen=config.queue_size)
        self._scan_ready = threading.Condition()
        self._replies: queue.Queue[MenuReply] = queue.Queue()
        self._command_lock = threading.Lock()
        self._stop = threading.Event()
        self._online = threading.Event()
        self._port: serial.SerialBase | None = None
        self._thread: threading.Thread | None = None
        self.counters = {"bytes": 0, "scans": 0, "rejected": 0, "reconnects": 0}

    # --- life cycle ----------------------------------------------------------------------------------------

    def start(self) -> BarcodeScanner:
        """Start the reader thread (idempotent)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"barcode:{self.config.url}", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop the reader and close the port; returns within about `read_poll` seconds."""
        self._stop.set()
        port = self._port
        if port is not None:
            port.cancel_read()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> BarcodeScanner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def online(self) -> bool:
        return self._online.is_set()

    def wait_online(self, timeout: float) -> bool:
        """True once the port is open (at most `timeout` seconds)."""
        return self._online.wait(timeout)

    def status(self) -> DeviceStatus:
        """Common status plus counters, for the lobby manager's health page."""
        state = DeviceState.ONLINE if self.online else DeviceState.OFFLINE
        details = {"model": self.model.name, **{k: str(v) for k, v in self.counters.items()}}
        return DeviceStatus(state, details)

    # --- scans ---------------------------------------------------------------------------------------------

    def next_scan(self, timeout: float, cancel: threading.Event | None = None) -> Result[Scan]:
        """The oldest unread scan: success, or TIMEOUT after `timeout` s, or CANCELED when `cancel` is set."""
        deadline = time.monotonic() + timeout
        with self._scan_ready:
            while not self._scans:
                if cancel is not None and cancel.is_set():
                    return Result(Completion.CANCELED)
                left = deadline - time.monotonic()
                if left <= 0:
                    return Result(Completion.TIMEOUT)
                self._scan_ready.wait(min(left, _WAIT_SLICE) if cancel is not None else left)
            return Result.success(self._scans.popleft())

    def clear(self) -> int:
        """Forget unread scans (e.g. when a new customer session starts); returns how many."""
        with self._scan_ready:
            count = len(self._scans)
            self._scans.clear()
            return count

    # --- commands ------------------------------------------------------------------------------------------

    def trigger(self) -> Result[None]:
        """Start a read (serial trigger). UNSUPPORTED_COMMAND if the model has none. Raises LinkError if offline."""
        return self._command("trigger")

    def untrigger(self) -> Result[None]:
        """Stop a read started by `trigger`. Raises LinkError if offline."""
        return self._command("untrigger")

    def enable(self) -> Result[None]:
        """Let the scanner read whenever a code is shown. Raises LinkError if offline."""
        return self._command("enable")

    def disable(self) -> Result[None]:
        """Stop the scanner reading on its own (outside a session). Raises LinkError if offline."""
        return self._command("disable")

    def menu(self, body: str, storage: bytes = b"!") -> Result[None]:
        """Send one menu command (e.g. "TRGMOD0") and await its echo: SUCCESS (ACK), INVALID_COMMAND (ENQ),
        INVALID_DATA (NAK) or TIMEOUT. Raises LinkError if offline.
        """
        if not self.model.replies:
            return Result(Completion.UNSUPPORTED_COMMAND, detail=f"{self.model.name} has no menu commands")
        return self._send(menu_command(body, storage))

    def _command(self, name: str) -> Result[None]:
        command: bytes | None = getattr(self.model, name)
        if command is None:
            return Result(Completion.UNSUPPORTED_COMMAND, detail=f"{self.model.name} has no {name} command")
        return self._send(command)

    def _send(self, command: bytes) -> Result[None]:
        with self._command_lock:
            while not self._replies.empty():  # a late answer to an earlier, timed-out command
                self._replies.get_nowait()
            self._write(command)
            if not (self.model.replies and command.startswith(MENU_PREFIX)):
                return Result.success()
            return self._await_reply(command[3:-1])

    def _await_reply(self, body: bytes) -> Result[None]:
        deadline = time.monotonic() + self.config.command_timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = self._replies.get(timeout=left)
            except queue.Empty:
                break
            if reply.body == body:
                code = None if reply.completion is Completion.SUCCESS else body.decode("ascii", "replace")
                return Result(reply.completion, code)
        return Result(Completion.TIMEOUT, detail="no answer to menu command")

    def _write(self, data: bytes) -> None:
        port = self._port
        if port is None or not self.online:
            raise LinkError("scanner is not connected", code="offline")
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"write to scanner failed: {exc}", raw=data, code="write") from exc

    # --- reader thread -------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            port = self._open()
            if port is None:
                self._stop.wait(self.config.reconnect_interval)
                continue
            broken = ""
            try:
                self._pump(port)
            except (serial.SerialException, OSError) as exc:
                log.warning("barcode scanner link broke: %s", exc)
                broken = str(exc) or type(exc).__name__
            finally:
                self._port = None
                self._online.clear()
                port.close()
            if broken:
                self._link_changed(False, broken)

    def _open(self) -> serial.SerialBase | None:
        try:
            port = serial.serial_for_url(self.config.url, baudrate=self.config.baudrate, timeout=self.config.read_poll)
        except (serial.SerialException, OSError) as exc:
            log.debug("barcode scanner not available: %s", exc)
            return None
        port.reset_input_buffer()
        self._framer = LineFramer(self._framing)  # nothing half-read survives a reconnect
        self._port = port
        self._online.set()
        self.counters["reconnects"] += 1
        self._link_changed(True, self.config.url)
        return port

    def _pump(self, port: serial.SerialBase) -> None:
        while not self._stop.is_set():
            data = port.read(max(1, port.in_waiting))
            if data:
                self.counters["bytes"] += len(data)
                for event in self._framer.feed(data, self._clock()):
                    self._dispatch(event)

    def _dispatch(self, event: Scan | Rejected | MenuReply) -> None:
        if isinstance(event, MenuReply):
            self._replies.put(event)
            return
        if isinstance(event, Scan):
            self.counters["scans"] += 1
            with self._scan_ready:
                self._scans.append(event)
                self._scan_ready.notify_all()
        else:
            self.counters["rejected"] += 1
            log.info("barcode input rejected: %s (%d bytes)", event.reason.value, event.size)
        self._emit(event)

    def _link_changed(self, online: bool, detail: str) -> None:
        self._emit(LinkChanged(online, detail))

    def _emit(self, event: ScannerEvent) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:  # a faulty listener must not kill the reader
            log.exception("barcode event listener failed")
