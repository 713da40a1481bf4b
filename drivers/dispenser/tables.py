"""CRT-591 status and error tables as data: status bytes, sensors, error codes, and the disputed parameter bytes.

Pure data and lookups (no I/O). Where public sources disagree (move PM for holding vs gate, the polarity of the
bin-full byte) the values live in one `Dialect` so a site can correct them without touching code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from drivers.errors import ProtocolError
from drivers.status import Completion, MediaState

# ---------------------------------------------------------------- disputed parameter bytes


class Target(enum.Enum):
    """Where a move command sends the card."""

    HOLDING = "holding"
    IC = "ic"
    RF = "rf"
    BIN = "bin"
    GATE = "gate"


@dataclass(frozen=True)
class Dialect:
    """The parameter bytes that differ between firmware transcriptions, kept together in one table."""

    name: str
    move_pm: tuple[tuple[Target, int], ...]
    bin_full: int  # the st2 character that means "error bin full"

    def pm_for(self, target: Target) -> int:
        return dict(self.move_pm)[target]

    def target_for(self, pm: int) -> Target | None:
        return {v: k for k, v in self.move_pm}.get(pm)


CREATOR = Dialect(
    "creator",
    ((Target.HOLDING, 0x30), (Target.IC, 0x31), (Target.RF, 0x32), (Target.BIN, 0x33), (Target.GATE, 0x39)),
    bin_full=ord("1"),
)
# McuMirror/SWTest-ATM swaps holding and gate, and reads the bin byte inverted.
SWTEST_ATM = Dialect(
    "swtest-atm",
    ((Target.HOLDING, 0x39), (Target.IC, 0x31), (Target.RF, 0x32), (Target.BIN, 0x33), (Target.GATE, 0x30)),
    bin_full=ord("0"),
)
DIALECTS = {d.name: d for d in (CREATOR, SWTEST_ATM)}


def dialect_named(name: str) -> Dialect:
    """The dialect for a config value. Raises ValueError for an unknown name."""
    try:
        return DIALECTS[name]
    except KeyError:
        raise ValueError(f"unknown dispenser dialect {name!r}; known: {sorted(DIALECTS)}") from None


# ---------------------------------------------------------------- status bytes


class CardPosition(enum.Enum):
    """st0: where the (one) card in the channel is."""

    NONE = "0"
    GATE = "1"
    IC = "2"


class StackerLevel(enum.Enum):
    """st1: cards left in the stacker."""

    EMPTY = "0"
    LOW = "1"
    ENOUGH = "2"


class StorageUnitState(enum.Enum):
    """XFS4IoT storage-unit replenishment status, as the lobby manager sees it."""

    OK = "ok"
    LOW = "low"
    EMPTY = "empty"
    FULL = "full"


@dataclass(frozen=True)
class DispenserStatus:
    """The three status bytes, typed; stock and bin exposed as XFS storage-unit states."""

    card_position: CardPosition
    stacker: StackerLevel
    bin_full: bool

    @property
    def media(self) -> MediaState:
        return MediaState.NOT_PRESENT if self.card_position is CardPosition.NONE else MediaState.PRESENT

    @property
    def stock_unit(self) -> StorageUnitState:
        return {
            StackerLevel.EMPTY: StorageUnitState.EMPTY,
            StackerLevel.LOW: StorageUnitState.LOW,
            StackerLevel.ENOUGH: StorageUnitState.OK,
        }[self.stacker]

    @property
    def bin_unit(self) -> StorageUnitState:
        return StorageUnitState.FULL if self.bin_full else StorageUnitState.OK

    def details(self) -> dict[str, str]:
        """Flat strings for `DeviceStatus.details` and the lobby manager's device screen."""
        return {
            "media": self.media.value,
            "position": self.card_position.name.lower(),
            "stock": self.stock_unit.value,
            "bin": self.bin_unit.value,
        }


def decode_status(st: bytes, dialect: Dialect) -> DispenserStatus:
    """Type the bytes st0 st1 st2. Raises ProtocolError for a value the table does not know."""
    if len(st) != 3:
        raise ProtocolError("status must be three bytes", raw=st)
    try:
        position = CardPosition(chr(st[0]))
        stacker = StackerLevel(chr(st[1]))
    except ValueError:
        raise ProtocolError(f"unknown status bytes {st!r}", raw=st) from None
    not_full = ord("0") if dialect.bin_full == ord("1") else ord("1")
    if st[2] not in (dialect.bin_full, not_full):
        raise ProtocolError(f"unknown bin status byte {st[2]:02X}", raw=st)
    return DispenserStatus(position, stacker, st[2] == dialect.bin_full)


def encode_status(status: DispenserStatus, dialect: Dialect) -> bytes:
    """The bytes st0 st1 st2 for a status (the emulator's side)."""
    not_full = ord("0") if dialect.bin_full == ord("1") else ord("1")
    st2 = dialect.bin_full if status.bin_full else not_full
    return bytes([ord(status.card_position.value), ord(status.stacker.value), st2])


# ---------------------------------------------------------------- sensors

# The spec numbers the sensors S1..S8 without naming them; this is the emulator's (and our) reading of them.
SENSOR_NAMES = (
    "gate_outer",  # S1
    "gate_inner",  # S2
    "ic_front",  # S3
    "ic_rear",  # S4
    "stacker_exit",  # S5
    "stacker_low",  # S6 (card present above the low mark)
    "stacker_present",  # S7
)


@dataclass(frozen=True)
class SensorStatus:
    """Status bytes plus one flag per channel sensor (True = card seen)."""

    status: DispenserStatus
    sensors: tuple[tuple[str, bool], ...]

    def __getitem__(self, name: str) -> bool:
        return dict(self.sensors)[name]


def decode_sensors(data: bytes) -> tuple[tuple[str, bool], ...]:
    """Name the sensor bytes '0'/'1'; extra bytes (S8 reserved) are ignored.

    Raises ProtocolError if fewer than seven bytes arrive or a byte is not '0'/'1'.
    """
    if len(data) < len(SENSOR_NAMES):
        raise ProtocolError(f"sensor data has {len(data)} bytes, need {len(SENSOR_NAMES)}", raw=data)
    flags = data[: len(SENSOR_NAMES)]
    if any(b not in (0x30, 0x31) for b in flags):
        raise ProtocolError(f"sensor bytes not '0'/'1': {flags!r}", raw=data)
    return tuple((name, b == 0x31) for name, b in zip(SENSOR_NAMES, flags, strict=True))


def encode_sensors(flags: dict[str, bool]) -> bytes:
    """Sensor bytes S1..S8 (S8 reserved, '0') for the emulator."""
    return bytes(0x31 if flags.get(name) else 0x30 for name in SENSOR_NAMES) + b"0"


# ---------------------------------------------------------------- error codes


class ErrorClass(enum.Enum):
    """What the caller should do about a negative response."""

    RETRYABLE = "retryable"  # the same command may succeed if sent again
    NEEDS_INITIALISE = "needsInitialise"  # initialise the device, then carry on
    NEEDS_STAFF = "needsStaff"  # the lobby manager must act (jam, refill stock, empty the bin)
    CARD_ERROR = "cardError"  # this card is bad: capture it and use the next one
    FATAL = "fatal"  # a bug or a broken device: stop and call service


class Fault(enum.Enum):
    """Every e1e0 code of the spec as a typed outcome."""

    UNDEFINED_COMMAND = "00"
    PARAMETER_ERROR = "01"
    SEQUENCE_ERROR = "02"
    NOT_SUPPORTED = "03"
    DATA_ERROR = "04"
    IC_CONTACT_NOT_RELEASED = "05"
    CARD_JAM = "10"
    SENSOR_ERROR = "12"
    CARD_TOO_LONG = "13"
    CARD_TOO_SHORT = "14"
    CANNOT_RETRACT = "40"
    IC_MAGNET_ERROR = "41"
    CANNOT_MOVE_TO_IC = "43"
    CARD_MOVED_MANUALLY = "45"
    BIN_COUNTER_OVERFLOW = "50"
    MOTOR_ERROR = "51"
    IC_POWER_SHORT = "60"
    IC_ACTIVATION_FAILED = "61"
    IC_COMMAND_UNSUPPORTED = "62"
    IC_NO_RESPONSE = "63"
    IC_PROTOCOL_ERROR = "64"
    IC_NOT_ACTIVATED = "65"
    IC_CARD_UNSUPPORTED = "66"
    IC_TRANSMISSION_ERROR = "67"
    IC_TRANSMISSION_TIMEOUT = "68"
    IC_NOT_EMV = "69"
    STACKER_EMPTY = "A0"
    BIN_FULL = "A1"
    NOT_INITIALISED = "B0"
    UNKNOWN = "??"


# XFS4IoT class error codes used for Result.error_code.
MEDIA_JAM = "mediaJam"
NO_MEDIA = "noMedia"
FULL = "full"
OCCUPIED = "occupied"
MEDIA_RETAINED = "mediaRetained"
INVALID_MEDIA = "invalidMedia"


@dataclass(frozen=True)
class ErrorSpec:
    """One row of the error table: typed outcome, class, XFS completion and class error code, text."""

    fault: Fault
    error_class: ErrorClass
    completion: Completion
    error_code: str
    text: str


_C = Completion
_E = ErrorClass
_ROWS = (
    (Fault.UNDEFINED_COMMAND, _E.FATAL, _C.UNSUPPORTED_COMMAND, "undefinedCommand", "undefined command"),
    (Fault.PARAMETER_ERROR, _E.FATAL, _C.INVALID_DATA, "parameterError", "command parameter error"),
    (Fault.SEQUENCE_ERROR, _E.NEEDS_INITIALISE, _C.SEQUENCE_ERROR, "sequenceError", "command sequence error"),
    (Fault.NOT_SUPPORTED, _E.FATAL, _C.UNSUPPORTED_COMMAND, "notSupported", "command not supported by hardware"),
    (Fault.DATA_ERROR, _E.RETRYABLE, _C.INVALID_DATA, "dataError", "command data error"),
    (Fault.IC_CONTACT_NOT_RELEASED, _E.NEEDS_INITIALISE, _C.HARDWARE_ERROR, "contactNotReleased",
     "IC contact not released"),
    (Fault.CARD_JAM, _E.NEEDS_STAFF, _C.COMMAND_ERROR, MEDIA_JAM, "card jam"),
    (Fault.SENSOR_ERROR, _E.NEEDS_STAFF, _C.HARDWARE_ERROR, "sensorError", "sensor error"),
    (Fault.CARD_TOO_LONG, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "card too long"),
    (Fault.CARD_TOO_SHORT, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "card too short"),
    (Fault.CANNOT_RETRACT, _E.NEEDS_STAFF, _C.HARDWARE_ERROR, "retainFailed", "cannot retract card"),
    (Fault.IC_MAGNET_ERROR, _E.NEEDS_STAFF, _C.HARDWARE_ERROR, "contactUnitError", "IC contact magnet error"),
    (Fault.CANNOT_MOVE_TO_IC, _E.NEEDS_INITIALISE, _C.HARDWARE_ERROR, "cannotMoveToIc",
     "cannot move card to IC position"),
    (Fault.CARD_MOVED_MANUALLY, _E.NEEDS_INITIALISE, _C.USER_ERROR, "mediaMovedManually", "card moved manually"),
    (Fault.BIN_COUNTER_OVERFLOW, _E.NEEDS_STAFF, _C.COMMAND_ERROR, FULL, "error-bin counter overflow"),
    (Fault.MOTOR_ERROR, _E.FATAL, _C.HARDWARE_ERROR, "motorError", "motor error"),
    (Fault.IC_POWER_SHORT, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "IC card supply short circuit"),
    (Fault.IC_ACTIVATION_FAILED, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "IC card activation failed"),
    (Fault.IC_COMMAND_UNSUPPORTED, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "command not supported by card"),
    (Fault.IC_NO_RESPONSE, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "IC card did not answer in time"),
    (Fault.IC_PROTOCOL_ERROR, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "IC card protocol error"),
    (Fault.IC_NOT_ACTIVATED, _E.RETRYABLE, _C.SEQUENCE_ERROR, "chipNotActivated", "IC card not activated"),
    (Fault.IC_CARD_UNSUPPORTED, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "command not supported by this card"),
    (Fault.IC_TRANSMISSION_ERROR, _E.RETRYABLE, _C.HARDWARE_ERROR, "chipTransmissionError",
     "IC card transmission error"),
    (Fault.IC_TRANSMISSION_TIMEOUT, _E.RETRYABLE, _C.TIMEOUT, "chipTimeout", "IC card transmission timeout"),
    (Fault.IC_NOT_EMV, _E.CARD_ERROR, _C.COMMAND_ERROR, INVALID_MEDIA, "card not EMV compliant"),
    (Fault.STACKER_EMPTY, _E.NEEDS_STAFF, _C.COMMAND_ERROR, NO_MEDIA, "stacker empty"),
    (Fault.BIN_FULL, _E.NEEDS_STAFF, _C.COMMAND_ERROR, FULL, "error-card bin full"),
    (Fault.NOT_INITIALISED, _E.NEEDS_INITIALISE, _C.DEVICE_NOT_READY, "notInitialised",
     "not initialised since power-on"),
    (Fault.UNKNOWN, _E.FATAL, _C.HARDWARE_ERROR, "unknownError", "error code not in the table"),
)
ERRORS: dict[str, ErrorSpec] = {row[0].value: ErrorSpec(*row) for row in _ROWS}


def error_spec(code: str) -> ErrorSpec:
    """The table row for an e1e0 code; codes the table does not know get the FATAL 'unknown' row."""
    return ERRORS.get(code, ERRORS[Fault.UNKNOWN.value])
