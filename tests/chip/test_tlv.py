"""BER-TLV parser: byte-exact cases, typed errors only for any input, encode/parse round trip."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.chip.tlv import (
    MAX_DEPTH,
    Tlv,
    TlvError,
    encode,
    encode_length,
    encode_tlv,
    find_tlv,
    parse_dol,
    parse_tlv,
)
from drivers.errors import FramingError


def test_parses_nested_fci_byte_exact() -> None:
    fci = bytes.fromhex("6F 1A 84 0E 315041592E5359532E4444463031 A5 08 88 01 01 5F2D 02 7A68".replace(" ", ""))
    (top,) = parse_tlv(fci)
    assert top.tag == 0x6F and top.constructed
    assert [c.tag for c in top.children] == [0x84, 0xA5]
    assert top.children[0].value == b"1PAY.SYS.DDF01"
    assert find_tlv((top,), 0x88).value == b"\x01"
    assert top.find(0x5F2D).value == b"zh"


def test_long_lengths_and_multibyte_tags() -> None:
    value = bytes(200)
    data = bytes.fromhex("9F4B81C8") + value + bytes.fromhex("DF81010100")
    objs = parse_tlv(data)
    assert [(o.tag, len(o.value)) for o in objs] == [(0x9F4B, 200), (0xDF8101, 1)]
    assert encode_length(200) == b"\x81\xc8" and encode_length(0x1234) == b"\x82\x12\x34"
    assert encode_tlv(0x9F4B, value)[:4] == bytes.fromhex("9F4B81C8")


def test_padding_zeros_between_objects_are_skipped() -> None:
    assert [o.tag for o in parse_tlv(b"\x00\x00\x5a\x01\x12\x00\x50\x00\x00")] == [0x5A, 0x50]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x5a\x05\x01\x02", "truncated"),
        (b"\x5a", "truncated"),
        (b"\x9f", "truncated"),
        (b"\x5a\x80", "badLength"),
        (b"\x5a\x85\x00\x00\x00\x00\x01", "badLength"),
        (b"\x5a\x82\x01", "truncated"),
        (b"\xdf\x81\x82\x83\x01\x00", "badTag"),
        (b"\x70\x03\x5a\x05\x01", "truncated"),
    ],
)
def test_malformed_input_raises_typed_error_with_raw(data: bytes, code: str) -> None:
    with pytest.raises(TlvError) as info:
        parse_tlv(data)
    assert info.value.code == code
    assert info.value.raw == data
    assert isinstance(info.value, FramingError)


def test_nesting_bound() -> None:
    data = b"\x5a\x00"
    for _ in range(MAX_DEPTH + 1):
        data = encode_tlv(0x70, data)
    with pytest.raises(TlvError, match="deeper"):
        parse_tlv(data)
    assert parse_tlv(data, recurse=False)[0].tag == 0x70


def test_repr_hides_values() -> None:
    obj = parse_tlv(bytes.fromhex("5A08622848001234567F"))[0]
    assert "6228" not in repr(obj) and repr(obj) == "Tlv(tag=5A, len=8)"


def test_dol() -> None:
    assert parse_dol(bytes.fromhex("9F1A025F2A029A039C019F3704")) == (
        (0x9F1A, 2),
        (0x5F2A, 2),
        (0x9A, 3),
        (0x9C, 1),
        (0x9F37, 4),
    )
    with pytest.raises(TlvError):
        parse_dol(b"\x9f")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_objects_or_tlv_error(data: bytes) -> None:
    try:
        parse_tlv(data)
    except TlvError as exc:
        assert exc.raw == data


# --- round trip over generated trees -----------------------------------------------------------
def _tag(constructed: bool) -> st.SearchStrategy[int]:
    flag = 0x20 if constructed else 0x00
    one = (
        st.integers(0, 0x1E)
        .flatmap(lambda low: st.sampled_from([0x00, 0x40, 0x80, 0xC0]).map(lambda cls: cls | flag | low))
        .filter(lambda b: b != 0)
    )
    two = st.tuples(st.sampled_from([0x1F, 0x5F, 0x9F, 0xDF]), st.integers(0x00, 0x7F)).map(
        lambda t: ((t[0] | flag) << 8) | t[1]
    )
    three = st.tuples(st.sampled_from([0x1F, 0x9F, 0xDF]), st.integers(0x80, 0xFF), st.integers(0, 0x7F)).map(
        lambda t: ((t[0] | flag) << 16) | (t[1] << 8) | t[2]
    )
    return st.one_of(one, two, three)


primitive = st.builds(lambda tag, value: Tlv(tag, value), _tag(False), st.binary(max_size=300))
trees = st.recursive(
    primitive,
    lambda kids: st.builds(
        lambda tag, children: Tlv(tag, b"".join(encode(c) for c in children), tuple(children)),
        _tag(True),
        st.lists(kids, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(trees, max_size=4))
def test_encode_parse_round_trip(objects: list[Tlv]) -> None:
    data = b"".join(encode(o) for o in objects)
    assert parse_tlv(data) == tuple(objects)
