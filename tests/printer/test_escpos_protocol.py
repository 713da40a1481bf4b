"""ESC/POS status tables (exhaustive) and the stream tokenizer (byte-exact and property-based)."""

from __future__ import annotations

import itertools

import pytest
from escpos.printer import Dummy
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer.protocol import (
    PAPER_SENSOR,
    STATUS_BITS,
    STATUS_PAPER,
    EscPosTokenizer,
    PaperState,
    decode_status,
    encode_status,
    paper_state,
)


@pytest.mark.parametrize("request_bytes", list(STATUS_BITS))
def test_every_answer_byte_decodes_or_is_refused(request_bytes: bytes) -> None:
    for answer in range(256):
        dle_eot = request_bytes.startswith(b"\x10\x04")
        if dle_eot and answer & 0x93 != 0x12:
            with pytest.raises(ValueError):
                decode_status(request_bytes, answer)
            continue
        flags = decode_status(request_bytes, answer)
        assert flags <= set(STATUS_BITS[request_bytes])
        assert all(answer & STATUS_BITS[request_bytes][f] for f in flags)


@pytest.mark.parametrize("request_bytes", list(STATUS_BITS))
def test_encode_decode_round_trip_for_every_flag_set(request_bytes: bytes) -> None:
    names = list(STATUS_BITS[request_bytes])
    for n in range(len(names) + 1):
        for combo in itertools.combinations(names, n):
            assert decode_status(request_bytes, encode_status(request_bytes, set(combo))) == set(combo)


def test_known_paper_answers() -> None:
    assert paper_state(decode_status(STATUS_PAPER, 0x12)) is PaperState.FULL
    assert paper_state(decode_status(STATUS_PAPER, 0x1E)) is PaperState.LOW
    assert paper_state(decode_status(STATUS_PAPER, 0x72)) is PaperState.OUT
    assert paper_state(decode_status(PAPER_SENSOR, 0x03)) is PaperState.LOW
    assert paper_state(decode_status(PAPER_SENSOR, 0x0F)) is PaperState.OUT
    with pytest.raises(ValueError):
        decode_status(b"\x10\x04\x09", 0x12)


def job() -> bytes:
    p = Dummy()
    p.set(align="center", bold=True, double_height=True, double_width=True)
    p._raw("中文：".encode("gb18030") + b"\n")
    p.qr("https://example.org/x", native=True, size=5)
    p.image(__import__("PIL.Image", fromlist=["Image"]).new("1", (16, 4)))
    p.cut()
    return p.output


def test_tokenizer_reads_a_python_escpos_job() -> None:
    kinds = [t.kind for t in EscPosTokenizer().feed(job())]
    assert "unknown" not in kinds
    assert kinds[:5] == ["mode", "mode", "mode", "bold", "align"]
    assert kinds.count("qr") == 5 and "raster" in kinds and kinds[-1] == "cut"


@given(st.data())
def test_tokenizer_is_split_invariant(data: st.DataObject) -> None:
    stream = job()
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    tokenizer, tokens = EscPosTokenizer(), []
    for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        tokens += tokenizer.feed(stream[a:b])
    whole = EscPosTokenizer().feed(stream)
    assert [t for t in tokens if t.kind != "text"] == [t for t in whole if t.kind != "text"]
    assert b"".join(t.args for t in tokens if t.kind == "text") == b"".join(t.args for t in whole if t.kind == "text")


@given(st.binary(max_size=300))
def test_tokenizer_survives_garbage(blob: bytes) -> None:
    EscPosTokenizer().feed(blob)
