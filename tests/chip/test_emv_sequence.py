"""The read sequence against the virtual card's own APDU logic (no pcscd): T=0 paths, AFL coverage, errors."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.chip import protocol as p
from drivers.chip.emv import ApduChannel, ChipCardData, mask_pan, read_card_data
from drivers.chip.errors import Cancelled, TlvError, WrongApplication
from drivers.errors import DeviceError, ProtocolError
from drivers.sim.pboc_card import AFL, VirtualPbocCard

PAN = "6228480012345678901"


def read(card: VirtualPbocCard) -> tuple[ChipCardData, ApduChannel]:
    channel = ApduChannel(card.respond)
    return read_card_data(channel), channel


def app_record_reads(card: VirtualPbocCard) -> list[tuple[int, int]]:
    """(sfi, record) of READ RECORDs sent after the application was selected, resends counted once."""
    start = max(i for i, c in enumerate(card.commands) if c[:2] == b"\x00\xa4" and c[5:] != p.PSE + b"\x00")
    reads = [(c[3] >> 3, c[2]) for c in card.commands[start:] if c[1] == p.INS_READ_RECORD and c[4] == 0]
    return reads


def test_t0_card_reads_with_get_response_and_le_resend() -> None:
    card = VirtualPbocCard(PAN, psn="02", label="PBOC DEBIT", cardholder_name="ZHANG/SAN", expiry="290630")
    data, channel = read(card)
    assert (data.pan, data.expiry, data.psn, data.label) == (PAN, dt.date(2029, 6, 30), "02", "PBOC DEBIT")
    assert data.aid == "A000000333010101" and data.cardholder_name == "ZHANG/SAN"
    assert sum(c[1] == p.INS_GET_RESPONSE for c in card.commands) == 3  # PSE, SELECT AID, GPO
    resends = [c for c in card.commands if c[1] == p.INS_READ_RECORD and c[4] != 0]
    assert len(resends) == 5  # directory record + four application records, each after a 6Cxx
    assert channel.exchanges == 17


def test_t1_style_card_needs_no_extra_round_trips() -> None:
    card = VirtualPbocCard(PAN)
    card.t0 = False
    _, channel = read(card)
    assert channel.exchanges == 9
    assert not any(c[1] == p.INS_GET_RESPONSE for c in card.commands)


def test_every_afl_record_is_read_exactly_once_in_order() -> None:
    card = VirtualPbocCard(PAN)
    read(card)
    expected = [(e.sfi, r) for e in AFL for r in e.records()]
    assert app_record_reads(card) == expected


def test_without_pse_the_aid_is_selected_directly() -> None:
    card = VirtualPbocCard(PAN)
    card.pse = False
    data, _ = read(card)
    assert data.pan == PAN
    assert card.commands[0] == p.select(p.PSE) and card.commands[1] == p.select(p.AID_DEBIT)


def test_credit_aid_found_by_direct_select_fallback() -> None:
    card = VirtualPbocCard(PAN, aid=p.AID_QUASI_CREDIT)
    card.pse = False
    data, _ = read(card)
    assert data.aid == p.AID_QUASI_CREDIT.hex().upper()


def test_pan_and_expiry_from_track2_gpo_format1_no_pdol() -> None:
    card = VirtualPbocCard(PAN, expiry="310228")
    card.pan_in_track2_only, card.gpo_format, card.pdol = True, 1, False
    data, _ = read(card)
    assert data.pan == PAN and data.expiry == dt.date(2031, 2, 28)
    assert p.get_processing_options() in card.commands


def test_pdol_data_is_sent() -> None:
    card = VirtualPbocCard(PAN)
    read(card)
    gpo = next(c for c in card.commands if c[1] == p.INS_GPO)
    assert gpo.hex().upper() == "80A800000E830C" + "015601560000003000000000" + "00"


def test_card_without_unionpay_application() -> None:
    card = VirtualPbocCard(PAN, aid=bytes.fromhex("A0000000031010"))
    with pytest.raises(WrongApplication) as info:
        read(card)
    assert info.value.code == "noApplication" and info.value.raw == b"\x6a\x82"


def test_blocked_application() -> None:
    card = VirtualPbocCard(PAN)
    card.blocked = True
    with pytest.raises(WrongApplication) as info:
        read(card)
    assert info.value.code == "applicationBlocked"


def test_malformed_record_is_tlv_error() -> None:
    card = VirtualPbocCard(PAN)
    card.malformed = True
    with pytest.raises(TlvError):
        read(card)


def test_cancel_stops_between_exchanges() -> None:
    cancel = threading.Event()
    card = VirtualPbocCard(PAN)

    def transmit(apdu: bytes) -> bytes:
        cancel.set()  # the caller gives up while the first command is in flight
        return card.respond(apdu)

    with pytest.raises(Cancelled):
        read_card_data(ApduChannel(transmit, cancel=cancel))
    assert len(card.commands) == 1


def test_endless_61xx_and_repeated_6cxx_are_protocol_errors() -> None:
    with pytest.raises(ProtocolError, match="61xx"):
        ApduChannel(lambda apdu: b"\x61\x10").send(p.select(p.PSE))
    with pytest.raises(ProtocolError, match="Le"):
        ApduChannel(lambda apdu: b"\x6c\x10").send(p.read_record(1, 1))


def test_repr_masks_pan_and_hides_name() -> None:
    card = VirtualPbocCard(PAN, cardholder_name="ZHANG/SAN")
    data, _ = read(card)
    for text in (repr(data), str(data), repr(card)):
        assert PAN not in text and "ZHANG" not in text
    assert "622848*********8901" in repr(data)
    assert mask_pan("6228481234567890") == "622848******7890"


def test_luhn() -> None:
    assert ChipCardData("4111111111111111", dt.date(2030, 1, 31), None, None, "").luhn_valid
    assert not ChipCardData("4111111111111112", dt.date(2030, 1, 31), None, None, "").luhn_valid


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pan=st.text(alphabet="0123456789", min_size=13, max_size=19),
    expiry=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    psn=st.integers(0, 99).map(lambda n: f"{n:02d}"),
    t0=st.booleans(),
    pse=st.booleans(),
    gpo_format=st.sampled_from([1, 2]),
    pdol=st.booleans(),
)
def test_any_personalisation_reads_back(
    pan: str, expiry: dt.date, psn: str, t0: bool, pse: bool, gpo_format: int, pdol: bool
) -> None:
    card = VirtualPbocCard(pan, expiry=expiry, psn=psn)
    card.t0, card.pse, card.gpo_format, card.pdol = t0, pse, gpo_format, pdol
    data, _ = read(card)
    assert (data.pan, data.expiry, data.psn) == (pan, expiry, psn)


@settings(max_examples=300, deadline=None)
@given(
    target=st.integers(0, 16),
    mode=st.sampled_from(["truncate", "flip", "sw", "empty"]),
    pos=st.integers(0, 400),
    byte=st.integers(0, 255),
)
def test_corrupted_answers_give_only_typed_errors(target: int, mode: str, pos: int, byte: int) -> None:
    """Whatever one answer of the card turns into, the read ends in data or a DeviceError, never a crash."""
    card = VirtualPbocCard(PAN)
    calls = 0

    def transmit(apdu: bytes) -> bytes:
        nonlocal calls
        response = card.respond(apdu)
        calls += 1
        if calls - 1 != target:
            return response
        if mode == "truncate":
            return response[: pos % (len(response) + 1)]
        if mode == "flip":
            i = pos % len(response)
            return response[:i] + bytes([response[i] ^ (byte or 1)]) + response[i + 1 :]
        if mode == "sw":
            return response[:-2] + bytes([byte, pos & 0xFF])
        return b""

    with contextlib.suppress(DeviceError):
        read_card_data(ApduChannel(transmit))
