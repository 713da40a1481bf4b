"""APDU builders byte-exact, the status-word table over all 65,536 pairs, AFL and field decoders."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.chip import protocol as p
from drivers.errors import ProtocolError


def test_apdu_builders_byte_exact() -> None:
    assert p.select(p.PSE).hex().upper() == "00A404000E315041592E5359532E444446303100"
    assert p.select(p.AID_DEBIT).hex().upper() == "00A4040008A00000033301010100"
    assert p.get_processing_options().hex().upper() == "80A8000002830000"
    assert p.get_processing_options(bytes(4)).hex().upper() == "80A800000683040000000000"
    assert p.read_record(1, 1).hex().upper() == "00B2010C00"
    assert p.read_record(2, 3).hex().upper() == "00B2031400"
    assert p.get_response(0x1E).hex().upper() == "00C000001E"
    assert p.with_le(p.read_record(1, 1), 0x2A).hex().upper() == "00B2010C2A"


@pytest.mark.parametrize(("sfi", "record"), [(0, 1), (31, 1), (1, 0), (1, 256)])
def test_read_record_rejects_bad_numbers(sfi: int, record: int) -> None:
    with pytest.raises(ValueError):
        p.read_record(sfi, record)


def test_pdol_data_uses_terminal_values_and_zeros() -> None:
    pdol = bytes.fromhex("9F1A025F2A029A039C019F3704")
    assert p.build_pdol_data(pdol).hex().upper() == "015601560000003000000000"
    assert p.build_pdol_data(bytes.fromhex("9F1A01")) == b"\x01"  # cut to the asked length
    assert p.build_pdol_data(b"") == b""


def test_status_word_table_is_total_and_exact() -> None:
    seen: dict[p.Sw, int] = {}
    for sw1 in range(256):
        for sw2 in range(256):
            meaning, text = p.classify_sw(sw1, sw2)
            assert isinstance(meaning, p.Sw) and text
            seen[meaning] = seen.get(meaning, 0) + 1
    assert seen[p.Sw.SUCCESS] == 1
    assert seen[p.Sw.MORE_DATA] == 256 and seen[p.Sw.WRONG_LE] == 256
    assert set(seen) == set(p.Sw)
    expected = {
        0x9000: p.Sw.SUCCESS,
        0x9001: p.Sw.ERROR,
        0x6A82: p.Sw.NOT_FOUND,
        0x6A83: p.Sw.RECORD_NOT_FOUND,
        0x6283: p.Sw.BLOCKED,
        0x6281: p.Sw.WARNING,
        0x6985: p.Sw.CONDITIONS,
        0x6982: p.Sw.SECURITY,
        0x6700: p.Sw.WRONG_LENGTH,
        0x6D00: p.Sw.NOT_SUPPORTED,
        0x6E00: p.Sw.NOT_SUPPORTED,
        0x6A81: p.Sw.NOT_SUPPORTED,
        0x6581: p.Sw.MEMORY,
        0x6F00: p.Sw.ERROR,
        0x1234: p.Sw.ERROR,
    }
    for sw, meaning in expected.items():
        assert p.classify_sw(sw >> 8, sw & 0xFF)[0] is meaning, hex(sw)


def test_split_response() -> None:
    assert p.split_response(b"\x01\x02\x90\x00") == (b"\x01\x02", 0x90, 0x00)
    with pytest.raises(ProtocolError):
        p.split_response(b"\x90")


def test_afl_parse_and_encode() -> None:
    afl = bytes.fromhex("080101001001020118010100")
    entries = p.parse_afl(afl)
    assert [(e.sfi, list(e.records()), e.oda) for e in entries] == [(1, [1], 0), (2, [1, 2], 1), (3, [1], 0)]
    assert p.encode_afl(entries) == afl


@pytest.mark.parametrize("afl", ["080101", "08020100", "00010100", "F8010100", "08000100", "08010102", "09010100"])
def test_bad_afl_is_card_data_error(afl: str) -> None:
    with pytest.raises(p.CardDataError):
        p.parse_afl(bytes.fromhex(afl))


def test_pan_track2_expiry_psn() -> None:
    assert p.decode_pan(bytes.fromhex("6228480012345678901F")) == "6228480012345678901"
    assert p.encode_pan("6228480012345678901") == bytes.fromhex("6228480012345678901F")
    track2 = p.encode_track2("6228480012345678901", "3012")
    assert p.decode_track2(track2) == ("6228480012345678901", "3012")
    assert p.decode_expiry(bytes.fromhex("301231")) == dt.date(2030, 12, 31)
    assert p.expiry_from_yymm("3002") == dt.date(2030, 2, 28)
    assert p.expiry_from_yymm("3012") == dt.date(2030, 12, 31)
    assert p.decode_psn(b"\x01") == "01"
    assert p.decode_text(b"UnionPay Debit  ") == "UnionPay Debit"


@pytest.mark.parametrize(
    ("func", "value"),
    [
        (p.decode_pan, bytes.fromhex("12345F")),
        (p.decode_pan, bytes.fromhex("62284800123A5678")),
        (p.decode_track2, bytes.fromhex("6228480012345678")),
        (p.decode_expiry, bytes.fromhex("301332")),
        (p.expiry_from_yymm, "3013"),
        (p.expiry_from_yymm, "3000"),
        (p.decode_psn, b"\x0a"),
    ],
)
def test_bad_fields_are_card_data_errors(func, value) -> None:
    with pytest.raises(p.CardDataError):
        func(value)


@given(st.text(alphabet="0123456789", min_size=12, max_size=19), st.sampled_from(["2501", "3012", "9906"]))
def test_pan_and_track2_round_trip(pan: str, yymm: str) -> None:
    assert p.decode_pan(p.encode_pan(pan)) == pan
    assert p.decode_track2(p.encode_track2(pan, yymm)) == (pan, yymm)
