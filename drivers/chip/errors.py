"""Typed failures of a chip-card read; each carries the raw response and a code, like every DeviceError.

Link problems (no pcscd, reader missing) are `LinkError`s; card problems are separate classes so the
issuance flow can tell "no card at the IC station" from "a card we cannot use".
"""

from __future__ import annotations

from drivers.chip.protocol import CardDataError
from drivers.chip.tlv import TlvError
from drivers.errors import Cancelled, DeviceError, DeviceTimeout, LinkError, ProtocolError

__all__ = [
    "Cancelled",
    "CardAbsent",
    "CardDataError",
    "CardRemoved",
    "CardStatusError",
    "MuteCard",
    "PcscUnavailable",
    "ReaderNotFound",
    "TlvError",
    "WrongApplication",
]


class PcscUnavailable(LinkError):
    """pcscd is not running or refused the context (pyscard's EstablishContextException, 0x8010001D)."""


class ReaderNotFound(LinkError):
    """pcscd runs but does not offer the configured reader."""


class CardAbsent(DeviceError):
    """No card in the reader within the card timeout (pyscard's NoCardException)."""


class CardRemoved(CardAbsent):
    """The card left the reader in the middle of the read."""


class MuteCard(DeviceTimeout):
    """A card is present but gives no ATR, or stops answering commands within the read timeout."""


class WrongApplication(ProtocolError):
    """The card has no usable UnionPay application (SELECT answered 6A82, or every candidate is blocked)."""


class CardStatusError(ProtocolError):
    """The card answered a command with a status word the read cannot continue after."""

    def __init__(self, message: str = "", *, raw: bytes | None = None, code: str | None = None, sw: int = 0) -> None:
        super().__init__(message, raw=raw, code=code)
        self.sw = sw
