"""`CardDispenser`: the CRT-591 commands as typed results over one `DispenserLink`.

Expected outcomes (stock empty, jam, bin full, timeout, cancelled) come back as `DispenserResult` with an XFS4IoT
completion, a class error code and the row of the error table (`fault`, whose `error_class` says what to do).
Exceptions are reserved for a broken link (`LinkError` and its subclasses), bytes that break the protocol
(`FramingError`, `ProtocolError`) and bugs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from drivers.dispenser.link import DispenserLink, LinkTimings, PortClosed, Trace
from drivers.dispenser.protocol import (
    CM,
    PM_BIN_COUNTER_SET,
    PM_ENTRY_DISABLE,
    PM_ENTRY_ENABLE,
    PM_READ,
    PM_STATUS_DEVICE,
    PM_STATUS_SENSORS,
    Command,
    InitMode,
    NegativeResponse,
    PositiveResponse,
)
from drivers.dispenser.tables import (
    NO_MEDIA,
    OCCUPIED,
    CardPosition,
    DispenserStatus,
    ErrorClass,
    ErrorSpec,
    Fault,
    SensorStatus,
    Target,
    decode_sensors,
    decode_status,
    dialect_named,
    error_spec,
)
from drivers.errors import Cancelled, DeviceError, DeviceTimeout, ProtocolError
from drivers.status import Completion, DeviceState, DeviceStatus, Result

log = logging.getLogger(__name__)

T = TypeVar("T")

# Refusals that leave the device unusable until initialise or staff act; shown by `status()` until then.
_LATCHING = frozenset({ErrorClass.NEEDS_INITIALISE, ErrorClass.NEEDS_STAFF, ErrorClass.FATAL})
# Stock empty and bin full already show as storage-unit states, and clear when staff refill or empty.
_SHOWN_AS_STORAGE = frozenset({Fault.STACKER_EMPTY, Fault.BIN_FULL})


@dataclass(frozen=True)
class DispenserResult(Result[T]):
    """A `Result` that also carries the error-table row of a negative response (None otherwise)."""

    fault: ErrorSpec | None = None

    @property
    def error_class(self) -> ErrorClass | None:
        return self.fault.error_class if self.fault else None


@dataclass(frozen=True)
class InitialiseInfo:
    """What initialise reports: the firmware's version string and the status after it."""

    firmware: str
    status: DispenserStatus


class CardDispenser:
    """A CRT-591-style card dispenser on a serial port (or a pty from the emulator).

    The port is opened by `open()` or on first use; `close()` releases it. Every command takes an optional
    `timeout` (seconds) and a `cancel` event; moves and initialise default to long timeouts.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        address: int = 0,
        ack_timeout: float = 0.3,
        reply_start_timeout: float = 0.02,
        max_resends: int = 3,
        command_timeout: float = 2.0,
        move_timeout: float = 15.0,
        initialise_timeout: float = 20.0,
        dialect: str = "creator",
        trace: Trace | None = None,
    ) -> None:
        if not 0 <= address <= 0x0F:
            raise ValueError(f"address {address} out of range 0..15")
        self.address = address
        self.dialect = dialect_named(dialect)
        self.command_timeout = command_timeout
        self.move_timeout = move_timeout
        self.initialise_timeout = initialise_timeout
        timings = LinkTimings(ack_timeout=ack_timeout, reply_start_timeout=reply_start_timeout,
                              max_resends=max_resends)
        self._link = DispenserLink(port, baudrate, timings=timings, trace=trace)
        self.last_fault: ErrorSpec | None = None  # the last refusal that needs more than a retry; cleared by initialise

    # ------------------------------------------------------------ lifecycle

    def open(self) -> CardDispenser:
        """Open the port. Raises PortClosed if it cannot be opened."""
        self._link.open()
        return self

    def close(self) -> None:
        self._link.close()

    def __enter__(self) -> CardDispenser:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ commands

    def initialise(
        self, mode: InitMode = InitMode.NO_MOVE, *, timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> DispenserResult[InitialiseInfo]:
        """Initialise (needed after power-on); `mode` says what happens to a card found in the channel."""
        def parse(r: PositiveResponse) -> InitialiseInfo:
            return InitialiseInfo(r.data.decode("ascii", "replace"), self._status(r))
        return self._run(CM.INITIALISE, mode, parse, timeout or self.initialise_timeout, cancel)

    def device_status(
        self, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Card position, stock level and bin state."""
        return self._run(CM.STATUS, PM_STATUS_DEVICE, self._status, timeout, cancel)

    def sensor_status(
        self, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[SensorStatus]:
        """Status plus each channel sensor."""
        def parse(r: PositiveResponse) -> SensorStatus:
            return SensorStatus(self._status(r), decode_sensors(r.data))
        return self._run(CM.STATUS, PM_STATUS_SENSORS, parse, timeout, cancel)

    def move(
        self, target: Target, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Move the card in the channel to `target`; with the channel empty the device feeds one from the stack."""
        pm = self.dialect.pm_for(target)
        return self._run(CM.MOVE, pm, self._status, timeout or self.move_timeout, cancel)

    def dispense(
        self, target: Target = Target.IC, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Feed a new card from the stack to `target`; refuses with `occupied` if a card is already in the channel.

        The check matters because a plain move would silently reuse the card that is there (maybe another
        customer's).
        """
        before = self.device_status(cancel=cancel)
        if not before.ok or before.value is None:
            return before
        if before.value.card_position is not CardPosition.NONE:
            return DispenserResult(Completion.COMMAND_ERROR, OCCUPIED, before.value, "a card is already in the channel")
        return self.move(target, timeout=timeout, cancel=cancel)

    def retract(
        self, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Capture the card in the channel to the error bin; `noMedia` if there is none (e.g. it was taken)."""
        before = self.device_status(cancel=cancel)
        if not before.ok or before.value is None:
            return before
        if before.value.card_position is CardPosition.NONE:
            return DispenserResult(Completion.COMMAND_ERROR, NO_MEDIA, before.value, "no card in the channel")
        return self.move(Target.BIN, timeout=timeout, cancel=cancel)

    def set_gate_entry(
        self, enabled: bool, *, timeout: float | None = None, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Allow or refuse a card pushed in at the gate (initialise always refuses it)."""
        pm = PM_ENTRY_ENABLE if enabled else PM_ENTRY_DISABLE
        return self._run(CM.ENTRY, pm, self._status, timeout, cancel)

    def serial_number(self, *, timeout: float | None = None) -> DispenserResult[str]:
        """The device's serial number. Raises ProtocolError if its length byte disagrees with the data."""
        def parse(r: PositiveResponse) -> str:
            if not r.data or r.data[0] != len(r.data) - 1:
                raise ProtocolError("serial number length byte does not match", raw=r.data)
            return r.data[1:].decode("ascii", "replace")
        return self._run(CM.SERIAL_NUMBER, PM_READ, parse, timeout, None)

    def firmware_version(self, *, timeout: float | None = None) -> DispenserResult[str]:
        """The firmware's version string."""
        return self._run(CM.FIRMWARE, PM_READ, lambda r: r.data.decode("ascii", "replace"), timeout, None)

    def bin_counter(self, *, timeout: float | None = None) -> DispenserResult[int]:
        """Cards captured since the counter was last set. Raises ProtocolError unless it is three digits."""
        def parse(r: PositiveResponse) -> int:
            if len(r.data) != 3 or not r.data.isdigit():
                raise ProtocolError("bin counter is not three ASCII digits", raw=r.data)
            return int(r.data)
        return self._run(CM.BIN_COUNTER, PM_READ, parse, timeout, None)

    def set_bin_counter(self, count: int = 0, *, timeout: float | None = None) -> DispenserResult[DispenserStatus]:
        """Set the bin counter (after staff emptied the bin). Raises ValueError outside 0..999."""
        if not 0 <= count <= 999:
            raise ValueError("bin counter must be 0..999")
        data = f"{count:03d}".encode("ascii")
        return self._run(CM.BIN_COUNTER, PM_BIN_COUNTER_SET, self._status, timeout, None, data)

    def wait_taken(
        self, timeout: float, *, poll_interval: float = 0.1, cancel: threading.Event | None = None
    ) -> DispenserResult[DispenserStatus]:
        """Poll until the channel is empty (the customer took the card): success, timeOut or canceled."""
        deadline = time.monotonic() + timeout
        waiter = cancel or threading.Event()
        while True:
            result = self.device_status(cancel=cancel)
            if not result.ok or result.value is None:
                return result
            if result.value.card_position is CardPosition.NONE:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                return DispenserResult(Completion.TIMEOUT, None, result.value, "card not taken in time")
            if waiter.wait(min(poll_interval, left)):
                return DispenserResult(Completion.CANCELED, None, result.value, "cancelled while waiting")

    def status(self) -> DeviceStatus:
        """Common device status for `kiosk doctor` and the lobby manager; never raises."""
        try:
            result = self.device_status()
        except PortClosed as exc:
            return DeviceStatus(DeviceState.NO_DEVICE, {"error": type(exc).__name__, "detail": str(exc)})
        except DeviceError as exc:
            return DeviceStatus(DeviceState.OFFLINE, {"error": type(exc).__name__, "detail": str(exc)})
        if result.ok and result.value is not None:
            return self._with_fault(result.value.details(), self.last_fault)
        if result.fault is None:
            return DeviceStatus(DeviceState.OFFLINE, {"error": result.completion.value, "detail": result.detail})
        return self._with_fault({}, result.fault)

    @staticmethod
    def _with_fault(details: dict[str, str], fault: ErrorSpec | None) -> DeviceStatus:
        if fault is None:
            return DeviceStatus(DeviceState.ONLINE, details)
        details = {**details, "error": fault.error_code, "action": fault.error_class.value,
                   "detail": f"{fault.fault.value} {fault.text}"}
        usable = fault.error_class in (ErrorClass.RETRYABLE, ErrorClass.NEEDS_INITIALISE)
        return DeviceStatus(DeviceState.ONLINE if usable else DeviceState.HARDWARE_ERROR, details)

    # ------------------------------------------------------------ the one path to the wire

    def _status(self, response: PositiveResponse) -> DispenserStatus:
        return decode_status(response.status, self.dialect)

    def _run(
        self, cm: int, pm: int, parse: Callable[[PositiveResponse], T], timeout: float | None,
        cancel: threading.Event | None, data: bytes = b"",
    ) -> DispenserResult[T]:
        """Send one command and type its answer. Raises LinkError, FramingError, ProtocolError."""
        command = Command(cm, pm, data, self.address)
        if not self._link.is_open:
            self._link.open()
        try:
            response = self._link.transact(command, timeout or self.command_timeout, cancel)
        except DeviceTimeout as exc:
            return DispenserResult(Completion.TIMEOUT, None, None, str(exc))
        except Cancelled as exc:
            return DispenserResult(Completion.CANCELED, None, None, str(exc))
        if isinstance(response, NegativeResponse):
            spec = error_spec(response.code)
            if spec.error_class in _LATCHING and spec.fault not in _SHOWN_AS_STORAGE and cm != CM.STATUS:
                self.last_fault = spec
            log.info("dispenser CM %02X PM %02X refused: %s %s", cm, pm, response.code, spec.text)
            return DispenserResult(spec.completion, spec.error_code, None, f"{response.code} {spec.text}", spec)
        if cm == CM.INITIALISE:
            self.last_fault = None
        return DispenserResult.success(parse(response))
