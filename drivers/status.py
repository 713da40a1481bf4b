"""XFS4IoT vocabulary for results and status, shared by every device class.

Every driver command returns a `Result`: a completion code plus an optional class-specific error code,
so the flow above can map outcomes to customer and lobby-manager messages without knowing bytes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Generic, TypeVar


class Completion(enum.Enum):
    """XFS4IoT completion codes."""

    SUCCESS = "success"
    COMMAND_ERROR = "commandErrorCode"
    CANCELED = "canceled"
    DEVICE_NOT_READY = "deviceNotReady"
    HARDWARE_ERROR = "hardwareError"
    INTERNAL_ERROR = "internalError"
    INVALID_COMMAND = "invalidCommand"
    TIMEOUT = "timeOut"
    UNSUPPORTED_COMMAND = "unsupportedCommand"
    INVALID_DATA = "invalidData"
    USER_ERROR = "userError"
    UNSUPPORTED_DATA = "unsupportedData"
    FRAUD_ATTEMPT = "fraudAttempt"
    SEQUENCE_ERROR = "sequenceError"
    AUTHORISATION_REQUIRED = "authorisationRequired"


class DeviceState(enum.Enum):
    """XFS4IoT common device status."""

    ONLINE = "online"
    OFFLINE = "offline"
    POWER_OFF = "powerOff"
    NO_DEVICE = "noDevice"
    HARDWARE_ERROR = "hardwareError"
    USER_ERROR = "userError"
    BUSY = "deviceBusy"
    FRAUD_ATTEMPT = "fraudAttempt"
    POTENTIAL_FRAUD = "potentialFraud"


class MediaState(enum.Enum):
    """XFS4IoT CardReader media status (also used for ID cards on the reader)."""

    UNKNOWN = "unknown"
    PRESENT = "present"
    NOT_PRESENT = "notPresent"
    JAMMED = "jammed"
    ENTERING = "entering"
    LATCHED = "latched"


T = TypeVar("T")


@dataclass(frozen=True)
class Result(Generic[T]):
    """The outcome of one device command: completion, optional class error code, optional payload."""

    completion: Completion
    error_code: str | None = None
    value: T | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.completion is Completion.SUCCESS

    @classmethod
    def success(cls, value: T | None = None) -> Result[T]:
        return cls(Completion.SUCCESS, None, value)


@dataclass(frozen=True)
class DeviceStatus:
    """Common status plus a per-class status dict (e.g. {"media": "present", "stacker": "low"})."""

    device: DeviceState
    details: dict[str, str] = field(default_factory=dict)
