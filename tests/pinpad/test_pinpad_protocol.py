"""PIN pad framing and tables: byte-exact, exhaustive, and property-based."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.errors import ChecksumError, FramingError
from drivers.pinpad.pinblock import Algorithm
from drivers.pinpad.protocol import (
    MAX_BODY,
    STATUS_TABLE,
    BlockRequest,
    Cmd,
    EntryMode,
    EntryRequest,
    Frame,
    FrameDecoder,
    LoadKeyRequest,
    PadState,
    Status,
    completion_for,
    decode_frame,
    encode_frame,
)
from drivers.pinpad.weak_pin import ALL_RULES
from drivers.status import Completion


def test_status_frame_is_byte_exact() -> None:
    # STX, LEN=0001, CMD=10, ETX, BCC = 00^01^10^03 = 12
    assert encode_frame(Cmd.GET_STATUS) == bytes.fromhex("02 0001 10 03 12")
    assert encode_frame(Cmd.EVT_KEY, b"\x01") == bytes.fromhex("02 0002 E0 01 03 E0")


def test_every_status_byte_has_a_meaning() -> None:
    assert set(STATUS_TABLE) == set(Status)
    for byte in range(256):
        completion, code = completion_for(byte)
        if byte in {s.value for s in Status}:
            assert (completion, code) == STATUS_TABLE[Status(byte)]
        else:
            assert completion is Completion.HARDWARE_ERROR and code == f"unknownStatus{byte:02X}"
    assert completion_for(Status.OK) == (Completion.SUCCESS, None)


frames = st.builds(Frame, st.integers(0, 255), st.binary(max_size=64))


@given(st.lists(frames, max_size=5), st.binary(max_size=20).filter(lambda b: 0x02 not in b), st.data())
def test_decoder_recovers_frames_from_any_split(items: list[Frame], noise: bytes, data: st.DataObject) -> None:
    stream = noise + b"".join(encode_frame(f.cmd, f.data) for f in items)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    decoder, out = FrameDecoder(), []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        out += decoder.feed(stream[a:b])
    assert out == items


@given(frames, st.integers(0, 255))
def test_any_corrupted_bcc_raises(frame: Frame, bad: int) -> None:
    raw = bytearray(encode_frame(frame.cmd, frame.data))
    if bad == raw[-1]:
        return
    raw[-1] = bad
    with pytest.raises(ChecksumError) as info:
        decode_frame(bytes(raw))
    assert info.value.raw == bytes(raw)


@given(st.binary(max_size=200))
def test_garbage_never_crashes_the_decoder(blob: bytes) -> None:
    decoder = FrameDecoder()
    try:
        decoder.feed(blob)
    except FramingError as exc:
        assert exc.raw is not None


def test_missing_etx_and_bad_length() -> None:
    raw = bytearray(encode_frame(0x10, b"ab"))
    raw[-2] = 0x04
    with pytest.raises(FramingError, match="ETX"):
        decode_frame(bytes(raw))
    with pytest.raises(FramingError, match="length"):
        FrameDecoder().feed(b"\x02\x00\x00\x10\x03\x13")
    with pytest.raises(ValueError):
        encode_frame(0x10, bytes(MAX_BODY))


def test_payloads_round_trip_and_hide_secrets() -> None:
    load = LoadKeyRequest(1, 10, Algorithm.TDES, bytes(16), b"\x08\xd7\xb4")
    assert load.encode() == bytes.fromhex("01 0A 01 10") + bytes(16) + bytes.fromhex("08D7B4")
    assert LoadKeyRequest.decode(load.encode()) == load
    entry = EntryRequest(6, 6, 30, EntryMode.NEW_PIN, ALL_RULES, "19900307")
    assert entry.encode() == bytes.fromhex("06 06 1E 01 0F") + b"19900307"
    assert EntryRequest.decode(entry.encode()) == entry
    block = BlockRequest(10, "6222021234567890123")
    assert BlockRequest.decode(block.encode()) == block
    assert PadState.decode(PadState(True, False, (1, 2)).encode()) == PadState(True, False, (1, 2))
    for secret in (repr(load), repr(entry), repr(block), repr(Frame(0x20, b"19900307"))):
        assert "19900307" not in secret and "6222021234567890123" not in secret and "00000000" not in secret


@pytest.mark.parametrize("data", [b"", b"\x01\x0a\x01\x10" + bytes(4), b"\x01\x0a\x09\x00"])
def test_malformed_load_key_payloads(data: bytes) -> None:
    with pytest.raises(ValueError):
        LoadKeyRequest.decode(data)
