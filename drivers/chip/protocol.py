"""PBOC/EMV contact-chip commands as bytes, the status-word table as data, and field decoders. No I/O.

Both the reader (`drivers.chip.reader`) and the virtual card (`drivers.sim.pboc_card`) use these, so the two
sides cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from drivers.chip.tlv import parse_dol
from drivers.errors import ProtocolError

# --- names and identifiers -------------------------------------------------------------------------
PSE = b"1PAY.SYS.DDF01"  # contact payment system environment (directory)
PPSE = b"2PAY.SYS.DDF01"  # contactless directory; not used on a contact IC station
AID_DEBIT = bytes.fromhex("A000000333010101")
AID_CREDIT = bytes.fromhex("A000000333010102")
AID_QUASI_CREDIT = bytes.fromhex("A000000333010103")
UNIONPAY_AIDS: tuple[bytes, ...] = (AID_DEBIT, AID_CREDIT, AID_QUASI_CREDIT)

# --- tags ------------------------------------------------------------------------------------------
TAG_FCI = 0x6F
TAG_FCI_PROPRIETARY = 0xA5
TAG_SFI = 0x88
TAG_DF_NAME = 0x84
TAG_RECORD = 0x70
TAG_DIR_ENTRY = 0x61
TAG_AID = 0x4F
TAG_LABEL = 0x50
TAG_PRIORITY = 0x87
TAG_PDOL = 0x9F38
TAG_GPO_FORMAT1 = 0x80
TAG_GPO_FORMAT2 = 0x77
TAG_AIP = 0x82
TAG_AFL = 0x94
TAG_PAN = 0x5A
TAG_TRACK2 = 0x57
TAG_EXPIRY = 0x5F24
TAG_PSN = 0x5F34
TAG_CARDHOLDER = 0x5F20
TAG_APP_VERSION = 0x9F08
TAG_COMMAND_TEMPLATE = 0x83

# Terminal values a PDOL may ask for; anything else is sent as zeros (the card only logs them for GPO).
TERMINAL_DEFAULTS: Mapping[int, bytes] = {
    0x9F1A: bytes.fromhex("0156"),  # terminal country code: China
    0x5F2A: bytes.fromhex("0156"),  # transaction currency: CNY
    0x9F66: bytes.fromhex("46000000"),  # terminal transaction qualifiers (contact EMV, online capable)
    0x9C: b"\x30",  # transaction type: 30 = balance inquiry, nothing is charged
}

# --- command APDUs ---------------------------------------------------------------------------------
CLA_ISO = 0x00
CLA_EMV = 0x80
INS_SELECT = 0xA4
INS_READ_RECORD = 0xB2
INS_GET_RESPONSE = 0xC0
INS_GPO = 0xA8


def select(name: bytes) -> bytes:
    """SELECT by DF name (PSE or AID), first occurrence, with Le = 00."""
    return bytes([CLA_ISO, INS_SELECT, 0x04, 0x00, len(name)]) + name + b"\x00"


def get_processing_options(pdol_data: bytes = b"") -> bytes:
    """GET PROCESSING OPTIONS with the PDOL data wrapped in tag 83 (empty 83 00 when no PDOL)."""
    body = bytes([TAG_COMMAND_TEMPLATE, len(pdol_data)]) + pdol_data
    return bytes([CLA_EMV, INS_GPO, 0x00, 0x00, len(body)]) + body + b"\x00"


def read_record(sfi: int, record: int, le: int = 0) -> bytes:
    """READ RECORD `record` of short file `sfi` (P2 = SFI<<3 | 4). Raises ValueError for bad numbers."""
    if not 1 <= sfi <= 30 or not 1 <= record <= 255:
        raise ValueError(f"bad SFI {sfi} or record {record}")
    return bytes([CLA_ISO, INS_READ_RECORD, record, (sfi << 3) | 0x04, le])


def get_response(length: int) -> bytes:
    """T=0 GET RESPONSE for the `length` bytes a 61xx announced (00 means 256)."""
    return bytes([CLA_ISO, INS_GET_RESPONSE, 0x00, 0x00, length & 0xFF])


def with_le(apdu: bytes, le: int) -> bytes:
    """The same case-2/4 command with its Le byte replaced, as a 6Cxx answer asks."""
    return apdu[:-1] + bytes([le & 0xFF])


def build_pdol_data(pdol: bytes, values: Mapping[int, bytes] = TERMINAL_DEFAULTS) -> bytes:
    """Concatenate the values a PDOL asks for, each cut or zero-padded to its length; unknown tags as zeros.

    Raises TlvError if the PDOL is malformed.
    """
    out = bytearray()
    for tag, length in parse_dol(pdol):
        value = values.get(tag, b"")
        out += value[:length].rjust(length, b"\x00") if value else bytes(length)
    return bytes(out)


# --- status words ----------------------------------------------------------------------------------
class Sw(enum.Enum):
    """What a status word means to the reader's logic."""

    SUCCESS = "success"
    MORE_DATA = "moreData"  # 61xx: fetch xx bytes with GET RESPONSE
    WRONG_LE = "wrongLe"  # 6Cxx: resend with Le = xx
    WARNING = "warning"  # 62xx/63xx: processing completed with a warning
    NOT_FOUND = "notFound"  # 6A82: file or application not found
    RECORD_NOT_FOUND = "recordNotFound"  # 6A83
    BLOCKED = "blocked"  # application or card blocked / selected file invalidated
    CONDITIONS = "conditionsNotSatisfied"  # 6985
    SECURITY = "securityNotSatisfied"  # 6982
    WRONG_LENGTH = "wrongLength"  # 6700
    WRONG_PARAMETERS = "wrongParameters"  # 6A86, 6B00, 6A80...
    NOT_SUPPORTED = "notSupported"  # 6D00, 6E00, 6A81
    MEMORY = "memoryFailure"  # 6581
    ERROR = "error"  # any other error


# {sw1: (meaning of every sw2 not listed, {sw2: (meaning, text)})} — pyscard's shape, as data.
SW_TABLE: Mapping[int, tuple[Sw, Mapping[int, tuple[Sw, str]]]] = {
    0x90: (Sw.ERROR, {0x00: (Sw.SUCCESS, "normal processing")}),
    0x61: (Sw.MORE_DATA, {}),
    0x6C: (Sw.WRONG_LE, {}),
    0x62: (Sw.WARNING, {0x83: (Sw.BLOCKED, "selected file invalidated (application blocked)")}),
    0x63: (Sw.WARNING, {}),
    0x64: (Sw.ERROR, {}),
    0x65: (Sw.MEMORY, {0x81: (Sw.MEMORY, "memory failure")}),
    0x67: (Sw.WRONG_LENGTH, {0x00: (Sw.WRONG_LENGTH, "wrong length")}),
    0x68: (Sw.NOT_SUPPORTED, {}),
    0x69: (
        Sw.ERROR,
        {
            0x82: (Sw.SECURITY, "security status not satisfied"),
            0x83: (Sw.BLOCKED, "authentication method blocked"),
            0x84: (Sw.CONDITIONS, "referenced data invalidated"),
            0x85: (Sw.CONDITIONS, "conditions of use not satisfied"),
        },
    ),
    0x6A: (
        Sw.WRONG_PARAMETERS,
        {
            0x81: (Sw.NOT_SUPPORTED, "function not supported (card blocked)"),
            0x82: (Sw.NOT_FOUND, "file or application not found"),
            0x83: (Sw.RECORD_NOT_FOUND, "record not found"),
            0x88: (Sw.NOT_FOUND, "referenced data not found"),
        },
    ),
    0x6B: (Sw.WRONG_PARAMETERS, {0x00: (Sw.WRONG_PARAMETERS, "wrong P1 P2")}),
    0x6D: (Sw.NOT_SUPPORTED, {0x00: (Sw.NOT_SUPPORTED, "instruction not supported")}),
    0x6E: (Sw.NOT_SUPPORTED, {0x00: (Sw.NOT_SUPPORTED, "class not supported")}),
    0x6F: (Sw.ERROR, {0x00: (Sw.ERROR, "no precise diagnosis")}),
}


def classify_sw(sw1: int, sw2: int) -> tuple[Sw, str]:
    """Meaning and text of a status word; unknown SW1 values are errors. Total over all 65,536 pairs."""
    default, known = SW_TABLE.get(sw1, (Sw.ERROR, {}))
    return known.get(sw2, (default, f"SW {sw1:02X}{sw2:02X}"))


def split_response(response: bytes) -> tuple[bytes, int, int]:
    """(data, sw1, sw2) of a response APDU. Raises ProtocolError if it is shorter than a status word."""
    if len(response) < 2:
        raise ProtocolError(f"response of {len(response)} bytes has no status word", raw=response, code="noSw")
    return response[:-2], response[-2], response[-1]


# --- AFL and field decoders ------------------------------------------------------------------------
class CardDataError(ProtocolError):
    """Well-formed TLV whose contents break EMV rules (bad AFL, PAN not BCD, missing PAN)."""


@dataclass(frozen=True)
class AflEntry:
    """One 4-byte AFL entry: records first..last of short file `sfi` (oda = how many sign offline data)."""

    sfi: int
    first: int
    last: int
    oda: int

    def records(self) -> range:
        return range(self.first, self.last + 1)


def parse_afl(afl: bytes) -> tuple[AflEntry, ...]:
    """Split an Application File Locator into entries. Raises CardDataError if any entry breaks EMV rules."""
    if len(afl) % 4:
        raise CardDataError(f"AFL of {len(afl)} bytes is not a multiple of 4", raw=afl, code="badAfl")
    entries = []
    for i in range(0, len(afl), 4):
        sfi, first, last, oda = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
        if afl[i] & 0x07 or not 1 <= sfi <= 30 or first == 0 or last < first or oda > last - first + 1:
            raise CardDataError(f"bad AFL entry {afl[i : i + 4].hex()}", raw=afl, code="badAfl")
        entries.append(AflEntry(sfi, first, last, oda))
    return tuple(entries)


def encode_afl(entries: tuple[AflEntry, ...] | list[AflEntry]) -> bytes:
    """The AFL bytes for entries (the virtual card personalises with this)."""
    return b"".join(bytes([e.sfi << 3, e.first, e.last, e.oda]) for e in entries)


def decode_pan(bcd: bytes) -> str:
    """PAN digits from tag 5A (BCD, right-padded with F). Raises CardDataError if not 12-19 digits."""
    digits = bcd.hex().upper().rstrip("F")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise CardDataError("PAN is not 12-19 BCD digits", code="badPan")
    return digits


def encode_pan(pan: str) -> bytes:
    """Tag 5A value for a PAN: BCD, padded with F to whole bytes. Raises ValueError for non-digits."""
    if not pan.isdigit():
        raise ValueError("PAN must be digits")
    return bytes.fromhex(pan + "F" * (len(pan) % 2))


def decode_track2(track2: bytes) -> tuple[str, str]:
    """(PAN, YYMM) from the track-2 equivalent (tag 57): PAN 'D' YYMM service code ... Raises CardDataError."""
    text = track2.hex().upper().rstrip("F")
    pan, sep, rest = text.partition("D")
    if not sep or len(rest) < 4 or not rest[:4].isdigit():
        raise CardDataError("track 2 has no separator or expiry", code="badTrack2")
    return decode_pan(bytes.fromhex(pan + "F" * (len(pan) % 2))), rest[:4]


def encode_track2(pan: str, yymm: str, service_code: str = "220", discretionary: str = "0000000000") -> bytes:
    """Tag 57 value: PAN D YYMM service-code discretionary, F-padded."""
    text = f"{pan}D{yymm}{service_code}{discretionary}"
    return bytes.fromhex(text + "F" * (len(text) % 2))


def decode_expiry(value: bytes) -> dt.date:
    """Tag 5F24 (YYMMDD, BCD) as a date in 2000-2099. Raises CardDataError if it is not a real date."""
    text = value.hex()
    try:
        return dt.date(2000 + int(text[0:2]), int(text[2:4]), int(text[4:6]))
    except ValueError:
        raise CardDataError("expiry is not a YYMMDD date", code="badExpiry") from None


def expiry_from_yymm(yymm: str) -> dt.date:
    """Last day of the YYMM month (track 2 carries no day). Raises CardDataError if not a month."""
    try:
        year, month = 2000 + int(yymm[:2]), int(yymm[2:4])
        if not 1 <= month <= 12:
            raise ValueError(month)
        first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    except ValueError:
        raise CardDataError("track-2 expiry is not YYMM", code="badExpiry") from None
    return first_of_next - dt.timedelta(days=1)


def decode_psn(value: bytes) -> str:
    """Tag 5F34 PAN sequence number as two digits. Raises CardDataError if it is not one BCD byte."""
    text = value.hex()
    if len(value) != 1 or not text.isdigit():
        raise CardDataError("PAN sequence number is not one BCD byte", code="badPsn")
    return text


def decode_text(value: bytes) -> str:
    """Application label / cardholder name (ans): ASCII with anything else replaced, trailing spaces cut."""
    return value.decode("ascii", errors="replace").rstrip()
