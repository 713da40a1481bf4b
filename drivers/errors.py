"""The one exception hierarchy of the driver layer.

Expected outcomes (no card, jam, stock empty) travel as results (`drivers.status.Completion`), not as
exceptions. Exceptions are for broken links, bad bytes and bugs, and they carry the raw bytes that caused
them so a log can show what the wire said.
"""

from __future__ import annotations


class DeviceError(Exception):
    """A device could not be talked to as its protocol says."""

    def __init__(self, message: str = "", *, raw: bytes | None = None, code: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        self.raw = raw
        self.code = code


class LinkError(DeviceError):
    """The link to the device is broken: port missing, closed or unplugged."""


class DeviceTimeout(DeviceError):
    """The device did not answer within the command's timeout."""


class FramingError(DeviceError):
    """Bytes from the device do not form a valid frame (bad preamble, length or checksum)."""


class ChecksumError(FramingError):
    """A frame's checksum does not match its contents."""


class ProtocolError(DeviceError):
    """A well-formed frame that the protocol does not allow here (wrong command echo, unknown status)."""


class Cancelled(DeviceError):
    """The caller cancelled the command before it completed."""
