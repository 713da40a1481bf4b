"""Barcode line framing and command tables: byte-exact, exhaustive where a table is involved, property-based."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.barcode.protocol import (
    ACK,
    ENQ,
    MODELS,
    NAK,
    QR_ALPHANUMERIC,
    REPLY_COMPLETION,
    STX,
    FramingConfig,
    LineFramer,
    MenuReply,
    Rejected,
    RejectReason,
    Scan,
    frame_scan,
    menu_command,
    menu_reply,
    split_host_commands,
)
from drivers.status import Completion

PAYLOADS = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=60)


def feed_all(framer: LineFramer, *chunks: bytes) -> list[object]:
    return [event for chunk in chunks for event in framer.feed(chunk, 0.0)]


def test_command_table_bytes_are_exact():
    honeywell = MODELS["honeywell"]
    assert honeywell.trigger == b"\x16T\r" and honeywell.untrigger == b"\x16U\r"
    assert honeywell.enable == b"\x16M\rTRGMOD3!" and honeywell.disable == b"\x16M\rTRGMOD0!"
    assert (MODELS["cipherlab"].enable, MODELS["cipherlab"].disable) == (b"E", b"D")
    plain = MODELS["plain"]
    assert (plain.trigger, plain.untrigger, plain.enable, plain.disable) == (None, None, None, None)
    assert menu_command("232BAD9", b".") == b"\x16M\r232BAD9."
    assert menu_reply(b"TRGMOD0", ACK) == b"TRGMOD0\x06!"
    with pytest.raises(ValueError):
        menu_command("TRGMOD0", b"?")


def test_reply_status_table_is_exhaustive():
    framer = LineFramer(FramingConfig(menu_replies=True))
    for status in range(256):
        events = feed_all(framer, b"TRGMOD3" + bytes([status]) + b"!\r")
        if status in (ACK, ENQ, NAK):
            assert events == [MenuReply(b"TRGMOD3", status)]
        else:
            assert not any(isinstance(e, MenuReply) for e in events)
    assert REPLY_COMPLETION == {
        ACK: Completion.SUCCESS,
        ENQ: Completion.INVALID_COMMAND,
        NAK: Completion.INVALID_DATA,
    }
    assert MenuReply(b"X", NAK).completion is Completion.INVALID_DATA


def test_lines_become_scans_and_frame_scan_is_exact():
    config = FramingConfig(prefix=STX, suffix=b"#", terminator=b"\r\n")
    assert frame_scan(b"AB12", config) == b"\x02AB12#\r\n"
    assert feed_all(LineFramer(config), b"\x02AB12#\r\n\x02CD#\r\n") == [Scan("AB12"), Scan("CD")]


@settings(max_examples=200, deadline=None)
@given(payloads=st.lists(PAYLOADS, min_size=1, max_size=8), cuts=st.lists(st.integers(0, 2000), max_size=20))
def test_any_split_of_the_stream_gives_the_same_scans(payloads, cuts):
    config = FramingConfig(prefix=STX, terminator=b"\r\n")
    stream = b"".join(frame_scan(p.encode(), config) for p in payloads)
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    chunks = [stream[a:b] for a, b in itertools.pairwise(points)]
    assert feed_all(LineFramer(config), *chunks) == [Scan(p) for p in payloads]


@settings(max_examples=300, deadline=None)
@given(junk=st.lists(st.binary(max_size=300), max_size=10))
def test_arbitrary_bytes_never_raise_and_never_grow_the_buffer(junk):
    config = FramingConfig(max_length=64, menu_replies=True, prefix=STX)
    framer = LineFramer(config)
    for chunk in junk:
        for event in framer.feed(chunk, 0.0):
            assert isinstance(event, Scan | Rejected | MenuReply)
            if isinstance(event, Scan):
                assert len(event.data) <= 64 and event.data.isprintable()
        assert len(framer._buf) <= 64 + 1 + 2
    assert framer.feed(b"\r" + frame_scan(b"OK", config), 0.0)[-1] == Scan("OK")


def test_over_long_line_is_rejected_once_and_the_next_code_survives():
    framer = LineFramer(FramingConfig(max_length=10))
    events = feed_all(framer, b"A" * 8, b"A" * 8, b"A" * 500, b"A\r", b"GOOD\r")
    assert [type(e) for e in events] == [Rejected, Scan]
    assert events[0].reason is RejectReason.TOO_LONG and events[1] == Scan("GOOD")
    assert feed_all(framer, b"B" * 11 + b"\rOK\r") == [Rejected(RejectReason.TOO_LONG, 11), Scan("OK")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"\x00\x01\x02", RejectReason.BINARY),
        (b"\xff\xfeAB", RejectReason.BINARY),
        ("ÄÖ".encode(), RejectReason.CHARSET),
        (b"abc", RejectReason.CHARSET),
        (b"AB\tC", RejectReason.BINARY),
    ],
)
def test_bad_lines_are_rejected_with_their_reason(line, reason):
    framer = LineFramer(FramingConfig(charset=QR_ALPHANUMERIC))
    assert feed_all(framer, line + b"\r", b"BKQ:AB12\r") == [Rejected(reason, len(line)), Scan("BKQ:AB12")]


def test_noise_before_the_prefix_is_dropped_and_the_code_kept():
    framer = LineFramer(FramingConfig(prefix=STX))
    assert feed_all(framer, b"\x00\xff\x13", b"\x02CODE\r") == [Rejected(RejectReason.NOISE, 3), Scan("CODE")]


def test_missing_prefix_or_suffix_is_an_affix_error_unless_optional():
    strict = LineFramer(FramingConfig(prefix=STX, suffix=b"#"))
    assert feed_all(strict, b"CODE#\r", b"\x02CODE\r") == [
        Rejected(RejectReason.AFFIX, 5),
        Rejected(RejectReason.AFFIX, 4),
    ]
    lenient = LineFramer(FramingConfig(suffix=b"#", require_affixes=False))
    assert feed_all(lenient, b"CODE\r", b"IT#\r") == [Scan("IT")]


def test_idle_gap_discards_a_partial_line():
    framer = LineFramer(FramingConfig(idle_reset=0.2))
    assert framer.feed(b"\x00garbage", 1.0) == []
    assert framer.feed(b"CODE\r", 1.5) == [Rejected(RejectReason.NOISE, 8), Scan("CODE")]
    assert framer.feed(b"CO", 2.0) == [] and framer.feed(b"DE\r", 2.1) == [Scan("CODE")]


def test_menu_reply_split_between_status_and_storage():
    framer = LineFramer(FramingConfig(menu_replies=True))
    assert feed_all(framer, b"TRGMOD0\x06", b"!", b"CODE\r") == [MenuReply(b"TRGMOD0", ACK), Scan("CODE")]


def test_empty_lines_and_crlf_leftovers_are_ignored():
    framer = LineFramer(FramingConfig(terminator=b"\r"))
    assert feed_all(framer, b"\r\n\rA\r\nB\r") == [Scan("A"), Scan("B")]


def test_scan_repr_hides_the_payload():
    assert repr(Scan("110101199003077777")) == "Scan(<18 chars>)"


def test_host_commands_split_per_model():
    honeywell = MODELS["honeywell"]
    commands, rest = split_host_commands(b"\x16T\rjunk\x16M\rTRGMOD0!\x16U\r\x16M\rTRG", honeywell)
    assert commands == [b"\x16T\r", b"\x16M\rTRGMOD0!", b"\x16U\r"] and rest == b"\x16M\rTRG"
    assert split_host_commands(b"EDxE", MODELS["cipherlab"]) == ([b"E", b"D", b"E"], b"")
    assert split_host_commands(b"\x16T\r", MODELS["plain"]) == ([], b"")


def test_framing_config_refuses_nonsense():
    with pytest.raises(ValueError):
        FramingConfig(terminator=b"")
    with pytest.raises(ValueError):
        FramingConfig(max_length=0)
