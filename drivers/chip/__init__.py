"""Chip cards over PC/SC: read a UnionPay PBOC debit card's PAN, expiry, PAN sequence number and label.

`ChipReader(reader_name).read_card()` returns a `Result[ChipCardData]`; `read()` raises the typed errors
below instead. `parse_tlv` is the BER-TLV parser both the reader and the virtual card use.
"""

from drivers.chip.emv import ApduChannel, ChipCardData, mask_pan, read_card_data
from drivers.chip.errors import (
    Cancelled,
    CardAbsent,
    CardDataError,
    CardRemoved,
    CardStatusError,
    MuteCard,
    PcscUnavailable,
    ReaderNotFound,
    TlvError,
    WrongApplication,
)
from drivers.chip.reader import OUTCOMES, ChipReader
from drivers.chip.tlv import Tlv, encode_tlv, find_tlv, parse_tlv

__all__ = [
    "OUTCOMES",
    "ApduChannel",
    "Cancelled",
    "CardAbsent",
    "CardDataError",
    "CardRemoved",
    "CardStatusError",
    "ChipCardData",
    "ChipReader",
    "MuteCard",
    "PcscUnavailable",
    "ReaderNotFound",
    "Tlv",
    "TlvError",
    "WrongApplication",
    "encode_tlv",
    "find_tlv",
    "mask_pan",
    "parse_tlv",
    "read_card_data",
]
