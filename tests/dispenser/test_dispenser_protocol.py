"""Byte-exact tests of the CRT-591 framing, and property tests: bad bytes give typed errors, never anything else."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.dispenser import protocol as p
from drivers.errors import ChecksumError, DeviceError, FramingError, ProtocolError

STATUS_REQUEST = bytes.fromhex("F2 00 00 03 43 31 30 03 B0")


def test_worked_example_from_the_spec() -> None:
    assert p.encode_command(p.Command(p.CM.STATUS, 0x30)) == STATUS_REQUEST
    assert p.decode_command(STATUS_REQUEST) == p.Command(0x31, 0x30, b"", 0)


def test_bcc_is_xor_of_stx_through_etx() -> None:
    assert p.bcc(STATUS_REQUEST[:-1]) == 0xB0
    assert p.bcc(b"") == 0


def test_positive_response_bytes() -> None:
    raw = p.encode_positive(p.PositiveResponse(0x32, 0x31, b"221", b"", 0))
    assert raw == bytes([0xF2, 0, 0, 6, 0x50, 0x32, 0x31, 0x32, 0x32, 0x31, 0x03]) + bytes([p.bcc(raw[:-1])])
    assert p.decode_response(raw) == p.PositiveResponse(0x32, 0x31, b"221", b"", 0)


def test_negative_response_bytes() -> None:
    raw = p.encode_negative(p.NegativeResponse(0x32, 0x31, "A0", b"", 3))
    assert raw[:9] == bytes([0xF2, 3, 0, 5, 0x4E, 0x32, 0x31, 0x41, 0x30])
    assert p.decode_response(raw) == p.NegativeResponse(0x32, 0x31, "A0", b"", 3)


def test_long_length_uses_both_length_bytes() -> None:
    data = bytes(range(256)) * 2
    raw = p.encode_positive(p.PositiveResponse(0xA4, 0x30, b"000", data))
    assert (raw[2], raw[3]) == (0x02, 0x06)
    assert p.decode_response(raw).data == data


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", FramingError),
        (bytes.fromhex("F2 00 00 03 43 31 30 03"), FramingError),  # no BCC
        (bytes.fromhex("F3 00 00 03 43 31 30 03 B1"), FramingError),  # not STX
        (bytes.fromhex("F2 00 00 04 43 31 30 03 B7"), FramingError),  # LEN too long for the packet
        (bytes.fromhex("F2 00 00 03 43 31 30 04 B7"), FramingError),  # no ETX
        (bytes.fromhex("F2 00 00 03 43 31 30 03 B1"), ChecksumError),
        (p.pack(0, b"C10"), ProtocolError),  # a command where a response belongs
        (p.pack(0, b"P10"), ProtocolError),  # positive answer without status bytes
    ],
)
def test_bad_packets_give_typed_errors(raw: bytes, error: type[DeviceError]) -> None:
    with pytest.raises(error) as info:
        p.decode_response(raw)
    assert info.value.raw == raw


def test_address_out_of_range() -> None:
    raw = bytearray(STATUS_REQUEST)
    raw[1] = 0x10
    raw[-1] = p.bcc(bytes(raw[:-1]))
    with pytest.raises(ProtocolError):
        p.decode_command(bytes(raw))
    with pytest.raises(ValueError):
        p.pack(16, b"C10")


def test_pack_refuses_oversize_text() -> None:
    with pytest.raises(ValueError):
        p.pack(0, b"P" * (p.MAX_TEXT + 1))


responses = st.builds(
    p.PositiveResponse, st.integers(0, 255), st.integers(0, 255), st.binary(min_size=3, max_size=3),
    st.binary(max_size=64), st.integers(0, 15),
) | st.builds(
    p.NegativeResponse, st.integers(0, 255), st.integers(0, 255), st.text("0123456789AB", min_size=2, max_size=2),
    st.binary(max_size=16), st.integers(0, 15),
)


def _encode(response: p.Response) -> bytes:
    if isinstance(response, p.PositiveResponse):
        return p.encode_positive(response)
    return p.encode_negative(response)


@given(responses)
def test_response_round_trip(response: p.Response) -> None:
    assert p.decode_response(_encode(response)) == response


@given(st.binary(max_size=80))
def test_random_bytes_give_only_typed_errors(raw: bytes) -> None:
    for decode in (p.decode_response, p.decode_command):
        with contextlib.suppress(DeviceError):  # anything else (IndexError, ValueError...) fails the test
            decode(raw)


@given(responses, st.data())
def test_truncated_packets_are_rejected(response: p.Response, data: st.DataObject) -> None:
    raw = _encode(response)
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(FramingError):
        p.decode_response(raw[:cut])


@given(responses, st.data())
def test_every_single_bit_flip_is_detected(response: p.Response, data: st.DataObject) -> None:
    raw = bytearray(_encode(response))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DeviceError):
        p.decode_response(bytes(raw))


# ---------------------------------------------------------------- the stream splitter


def _feed_in_chunks(stream: bytes, cuts: list[int]) -> list[p.Token]:
    deframer = p.Deframer()
    tokens: list[p.Token] = []
    start = 0
    for cut in [*sorted(cuts), len(stream)]:
        tokens += deframer.feed(stream[start:cut])
        start = max(start, cut)
    return tokens


@given(st.lists(responses, max_size=5), st.lists(st.integers(0, 400), max_size=10))
def test_deframer_finds_every_packet_however_the_bytes_are_chunked(
    items: list[p.Response], cuts: list[int]
) -> None:
    packets = [_encode(r) for r in items]
    stream = bytes([p.ACK]).join(packets)
    tokens = _feed_in_chunks(stream, cuts)
    assert [t.raw for t in tokens if isinstance(t, p.Frame)] == packets
    assert all(not isinstance(t, p.BadFrame) for t in tokens)
    assert sum(isinstance(t, p.ControlByte) for t in tokens) == max(0, len(packets) - 1)


@given(st.binary(max_size=300), st.lists(st.integers(0, 300), max_size=6))
def test_deframer_never_raises_on_noise(noise: bytes, cuts: list[int]) -> None:
    for token in _feed_in_chunks(noise, cuts):
        assert isinstance(token, p.ControlByte | p.Frame | p.BadFrame)
        if isinstance(token, p.Frame):
            p.split_frame(token.raw)  # a Frame token is always a well-formed packet


@given(responses, st.binary(max_size=3).filter(lambda b: p.STX not in b))
def test_deframer_resyncs_after_a_bad_length(response: p.Response, tail: bytes) -> None:
    good = _encode(response)
    junk = bytes([p.STX, 0, 0xFF, 0xFF])  # a start with an impossible length
    tokens = p.Deframer().feed(junk + good + tail)
    assert isinstance(tokens[0], p.BadFrame)
    assert p.Frame(good) in tokens


@settings(max_examples=50)
@given(responses, st.data())
def test_deframer_flags_a_corrupt_packet(response: p.Response, data: st.DataObject) -> None:
    raw = bytearray(_encode(response))
    index = data.draw(st.integers(4, len(raw) - 1))
    raw[index] ^= 0x5A
    tokens = p.Deframer().feed(bytes(raw))
    assert not any(isinstance(t, p.Frame) and t.raw == bytes(raw) for t in tokens)
    assert any(isinstance(t, p.BadFrame) for t in tokens)


def test_deframer_reports_a_started_packet() -> None:
    deframer = p.Deframer()
    assert deframer.feed(STATUS_REQUEST[:3]) == []
    assert deframer.in_frame
    assert deframer.feed(STATUS_REQUEST[3:]) == [p.Frame(STATUS_REQUEST)]
    assert not deframer.in_frame


def test_long_running_commands_are_initialise_and_move() -> None:
    assert {cm for cm in p.CM if p.Command(cm, 0x30).long_running} == {p.CM.INITIALISE, p.CM.MOVE}
