"""The PBOC read sequence over any APDU transport: PSE -> SELECT AID -> GPO -> READ RECORD (AFL) -> card data.

Kept apart from PC/SC so it runs against anything that answers APDUs (pcscd, or the virtual card's own
`respond` in property tests), and so T=0 handling lives in one place (`ApduChannel`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.cardnumbers import luhn_valid, mask_pan
from drivers.chip import protocol as p
from drivers.chip.errors import Cancelled, CardStatusError, WrongApplication
from drivers.chip.tlv import Tlv, find_tlv, parse_tlv
from drivers.errors import ProtocolError

log = logging.getLogger(__name__)

Transmit = Callable[[bytes], bytes]
Tracer = Callable[[bytes, bytes], None]
MAX_GET_RESPONSE = 32  # bound on 61xx chaining: a card that never stops is broken, not generous



@dataclass(frozen=True)
class ChipCardData:
    """What the kiosk needs from a debit card's chip. repr/str mask the PAN and hide the holder's name."""

    pan: str
    expiry: dt.date
    psn: str | None
    label: str | None
    aid: str
    cardholder_name: str | None = field(default=None, repr=False)

    @property
    def masked_pan(self) -> str:
        return mask_pan(self.pan)

    @property
    def luhn_valid(self) -> bool:
        """Whether the PAN's check digit is right (real UnionPay PANs are; test stacks may not be)."""
        return luhn_valid(self.pan)

    def __repr__(self) -> str:
        name = "'***'" if self.cardholder_name else "None"
        return (
            f"ChipCardData(pan={self.masked_pan!r}, expiry={self.expiry.isoformat()!r}, psn={self.psn!r}, "
            f"label={self.label!r}, aid={self.aid!r}, cardholder_name={name})"
        )

    __str__ = __repr__


class ApduChannel:
    """One seam to the card: sends a command APDU and handles T=0's 61xx (GET RESPONSE) and 6Cxx (resend).

    `trace(command, response)` sees every exchange, personal data included: a tracer must mask.
    Raises Cancelled when `cancel` is set between exchanges; ProtocolError for a response without SW.
    """

    def __init__(self, transmit: Transmit, *, trace: Tracer | None = None, cancel: threading.Event | None = None):
        self._transmit = transmit
        self._trace = trace
        self._cancel = cancel
        self.exchanges = 0  # raw round trips, for benchmarks and tests of the T=0 paths

    def _raw(self, apdu: bytes) -> tuple[bytes, int, int]:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("read cancelled", code="canceled")
        response = self._transmit(apdu)
        self.exchanges += 1
        if self._trace is not None:
            self._trace(apdu, response)
        return p.split_response(response)

    def send(self, apdu: bytes) -> tuple[bytes, int, int]:
        """(data, sw1, sw2) after any 6Cxx resend and 61xx GET RESPONSE chain."""
        data, sw1, sw2 = self._raw(apdu)
        if sw1 == 0x6C:
            data, sw1, sw2 = self._raw(p.with_le(apdu, sw2))
            if sw1 == 0x6C:
                raise ProtocolError("card asked twice for a different Le", raw=bytes([sw1, sw2]), code="wrongLe")
        chunks = [data]
        for _ in range(MAX_GET_RESPONSE):
            if sw1 != 0x61:
                return b"".join(chunks), sw1, sw2
            data, sw1, sw2 = self._raw(p.get_response(sw2))
            chunks.append(data)
        raise ProtocolError("endless 61xx chain", raw=bytes([sw1, sw2]), code="moreData")

    def expect_ok(self, apdu: bytes, what: str) -> bytes:
        """Data of a command that must succeed (9000; 62xx/63xx warnings are accepted).

        Raises CardStatusError carrying the SW otherwise.
        """
        data, sw1, sw2 = self.send(apdu)
        meaning, text = p.classify_sw(sw1, sw2)
        if meaning not in (p.Sw.SUCCESS, p.Sw.WARNING):
            raise CardStatusError(f"{what}: {text}", raw=bytes([sw1, sw2]), code=meaning.value, sw=sw1 << 8 | sw2)
        return data


@dataclass(frozen=True)
class _Candidate:
    aid: bytes
    label: str | None
    priority: int  # 1 = highest; 0 (no priority given) sorts last


def read_card_data(
    channel: ApduChannel,
    aids: tuple[bytes, ...] = p.UNIONPAY_AIDS,
    terminal: dict[int, bytes] | None = None,
) -> ChipCardData:
    """Run the whole read. Raises WrongApplication, CardStatusError, TlvError, CardDataError, Cancelled."""
    aid, fci, label = select_application(channel, aids)
    afl = get_processing_options(channel, fci, terminal if terminal is not None else dict(p.TERMINAL_DEFAULTS))
    records = read_records(channel, afl)
    return build_card_data(aid, fci, records, label)


def select_application(channel: ApduChannel, aids: tuple[bytes, ...]) -> tuple[bytes, tuple[Tlv, ...], str | None]:
    """Choose the application through the PSE directory, else by direct SELECT of each wanted AID.

    Returns (aid, parsed FCI, label from the directory). Raises WrongApplication if none can be selected.
    """
    candidates = [c for c in _directory(channel) if c.aid in aids]
    candidates.sort(key=lambda c: (c.priority == 0, c.priority))
    tried = {c.aid for c in candidates}
    candidates += [_Candidate(aid, None, 0) for aid in aids if aid not in tried]
    blocked, sw1, sw2 = False, 0x6A, 0x82
    for cand in candidates:
        data, sw1, sw2 = channel.send(p.select(cand.aid))
        meaning, _ = p.classify_sw(sw1, sw2)
        if meaning is p.Sw.SUCCESS:
            return cand.aid, parse_tlv(data), cand.label
        blocked = blocked or meaning is p.Sw.BLOCKED
    code = "applicationBlocked" if blocked else "noApplication"
    raise WrongApplication("no UnionPay application on the card", raw=bytes([sw1, sw2]), code=code)


def _directory(channel: ApduChannel) -> list[_Candidate]:
    """Entries of the PSE directory; [] when the card has no PSE (6A82) or refuses it."""
    data, sw1, sw2 = channel.send(p.select(p.PSE))
    if p.classify_sw(sw1, sw2)[0] is not p.Sw.SUCCESS:
        log.debug("no PSE (SW %02X%02X); selecting AIDs directly", sw1, sw2)
        return []
    sfi_obj = find_tlv(parse_tlv(data), p.TAG_SFI)
    if sfi_obj is None or len(sfi_obj.value) != 1 or not 1 <= sfi_obj.value[0] <= 30:
        return []
    entries: list[_Candidate] = []
    for record in range(1, 256):
        data, sw1, sw2 = channel.send(p.read_record(sfi_obj.value[0], record))
        if p.classify_sw(sw1, sw2)[0] is not p.Sw.SUCCESS:
            break  # 6A83 ends the directory
        for template in parse_tlv(data):
            entries += [_candidate(obj) for obj in template.children if obj.tag == p.TAG_DIR_ENTRY]
    return entries


def _candidate(entry: Tlv) -> _Candidate:
    aid = find_tlv(entry.children, p.TAG_AID)
    label = find_tlv(entry.children, p.TAG_LABEL)
    prio = find_tlv(entry.children, p.TAG_PRIORITY)
    return _Candidate(
        aid.value if aid else b"",
        p.decode_text(label.value) if label else None,
        prio.value[0] & 0x0F if prio and prio.value else 0,
    )


def get_processing_options(channel: ApduChannel, fci: tuple[Tlv, ...], terminal: dict[int, bytes]) -> bytes:
    """Send GPO with data for the card's PDOL (zeros where we have no value); returns the AFL.

    Raises CardStatusError if GPO is refused, CardDataError if the answer has no AFL.
    """
    pdol = find_tlv(fci, p.TAG_PDOL)
    pdol_data = p.build_pdol_data(pdol.value, terminal) if pdol else b""
    data = channel.expect_ok(p.get_processing_options(pdol_data), "GET PROCESSING OPTIONS")
    answer = parse_tlv(data)
    if answer and answer[0].tag == p.TAG_GPO_FORMAT1:
        if len(answer[0].value) < 2:
            raise p.CardDataError("GPO format 1 shorter than the AIP", raw=data, code="badGpo")
        return answer[0].value[2:]
    afl = find_tlv(answer, p.TAG_AFL)
    if afl is None:
        raise p.CardDataError("GPO answer has no AFL", raw=data, code="badGpo")
    return afl.value


def read_records(channel: ApduChannel, afl: bytes) -> tuple[Tlv, ...]:
    """Every data object of every record the AFL names, each record read once, in AFL order.

    Raises CardStatusError if a named record is missing, CardDataError if a record is not template 70.
    """
    objects: list[Tlv] = []
    for entry in p.parse_afl(afl):
        for record in entry.records():
            data = channel.expect_ok(p.read_record(entry.sfi, record), f"READ RECORD {entry.sfi}/{record}")
            parsed = parse_tlv(data)
            if len(parsed) != 1 or parsed[0].tag != p.TAG_RECORD:
                raise p.CardDataError(f"record {entry.sfi}/{record} is not a 70 template", code="badRecord")
            objects.extend(parsed[0].children)
    return tuple(objects)


def build_card_data(aid: bytes, fci: tuple[Tlv, ...], records: tuple[Tlv, ...], label: str | None) -> ChipCardData:
    """Pick PAN (5A, else from 57), expiry (5F24, else 57), PSN, label, name. Raises CardDataError."""
    pan_obj, track2 = find_tlv(records, p.TAG_PAN), find_tlv(records, p.TAG_TRACK2)
    t2 = p.decode_track2(track2.value) if track2 else None
    if pan_obj is not None:
        pan = p.decode_pan(pan_obj.value)
        if t2 is not None and t2[0] != pan:
            raise p.CardDataError("PAN in 5A differs from the one in track 2 (57)", code="panMismatch")
    elif t2 is not None:
        pan = t2[0]
    else:
        raise p.CardDataError("card records hold no PAN (5A or 57)", code="noPan")
    exp_obj = find_tlv(records, p.TAG_EXPIRY)
    if exp_obj is not None:
        expiry = p.decode_expiry(exp_obj.value)
    elif t2 is not None:
        expiry = p.expiry_from_yymm(t2[1])
    else:
        raise p.CardDataError("card records hold no expiry date", code="noExpiry")
    psn_obj = find_tlv(records, p.TAG_PSN)
    fci_label = find_tlv(fci, p.TAG_LABEL)
    name = find_tlv(records, p.TAG_CARDHOLDER)
    return ChipCardData(
        pan=pan,
        expiry=expiry,
        psn=p.decode_psn(psn_obj.value) if psn_obj else None,
        label=p.decode_text(fci_label.value) if fci_label else label,
        aid=aid.hex().upper(),
        cardholder_name=p.decode_text(name.value) if name else None,
    )
