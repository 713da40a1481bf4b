"""Masking: a corpus of personal data that must be masked, and look-alikes that must stay untouched."""

from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.logs import RedactionFilter, mask_name, redact_text, redact_value
from kiosk_app.logs.setup import build_handler

POSITIVES = [
    ("身份证号11010119900307123X已核验", "身份证号110***********123X已核验"),
    ("id=110101199003071234,", "id=110***********1234,"),
    ("id 110101199003071235 bad check digit", "id 110***********1235 bad check digit"),
    ("old card 110101900307123", "old card 110********7123"),
    ("pan 6222021234567890123 ok", "pan 622202*********0123 ok"),
    ("pan 6222021234567890", "pan 622202******7890"),
    ("visa 4111111111111111.", "visa 411111******1111."),
    ("手机13812345678", "手机138****5678"),
    ("tel +8613812345678", "tel +86138****5678"),
    ("two 13812345678 and 15900001111", "two 138****5678 and 159****1111"),
]

NEGATIVES = [
    "ts 1732790000000 epoch ms",
    "at 2026-11-28T12:56:29.123456+00:00",
    "amount 12345678.90 CNY",
    "amount 1234567890123.45",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "cursor eyJzZXEiOjEyMzQ1Njc4OTAxMjM0NTZ9",
    "cursor c_000000000000123456789",
    "sha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "seq 4000000000001 outbox row",
    "sam 05.01-20101215-0011223344-1234567890",
    "duration 12.5 ms, rows 100000",
    "order 20261128125959",
    "uuid 5f0e8400-e29b-41d4-a716-13912345678a",
    "hash a6222021234567890123b",
]


@pytest.mark.parametrize(("raw", "masked"), POSITIVES)
def test_personal_data_is_masked(raw: str, masked: str) -> None:
    assert redact_text(raw) == masked


@pytest.mark.parametrize("text", NEGATIVES)
def test_look_alikes_stay_untouched(text: str) -> None:
    assert redact_text(text) == text


def test_names_masked_by_key_only() -> None:
    value = {"customer_name": "张三丰", "name_en": "ZHANG SANFENG", "branch": "张江支行", "items": ["李四"]}
    assert redact_value(value) == {
        "customer_name": "张**", "name_en": "Z************", "branch": "张江支行", "items": ["李四"]
    }
    assert mask_name("王") == "王*"


def test_bytes_never_logged() -> None:
    assert redact_value({"photo": b"\x00" * 1024}) == {"photo": "<1024 bytes>"}


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = build_handler("stdout")
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger(f"redact-test-{id(stream)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_json_lines_masked_in_message_args_extra_and_exception() -> None:
    logger, stream = _capture()
    extra = {"customer_name": "张三", "card": {"pan": "6222021234567890123"}}
    logger.info("read %s", "110101199003071234", extra=extra)
    try:
        raise ValueError("bad number 13812345678")
    except ValueError:
        logger.exception("failed for %s", "6222021234567890123")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "read 110***********1234"
    assert first["customer_name"] == "张*"
    assert first["card"] == {"pan": "622202*********0123"}
    assert second["message"] == "failed for 622202*********0123"
    assert "138****5678" in second["exc_info"] and "13812345678" not in second["exc_info"]


def test_file_destination_rotates(tmp_path) -> None:
    handler = build_handler("file", log_dir=tmp_path, max_bytes=10_000, backups=2, process="t")
    logger = logging.getLogger("rotate-test")
    logger.handlers, logger.propagate = [handler], False
    for i in range(400):
        logger.warning("line %d for 13812345678", i)
    handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["t.log", "t.log.1", "t.log.2"]
    assert "13812345678" not in (tmp_path / "t.log").read_text(encoding="utf-8")


def _id_check(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


id_numbers = st.builds(
    lambda region, y, m, d, seq: (b := f"{region}{y:04d}{m:02d}{d:02d}{seq:03d}") + _id_check(b),
    st.integers(110000, 659999), st.integers(1900, 2025), st.integers(1, 12), st.integers(1, 28),
    st.integers(0, 999),
)
mobiles = st.builds(lambda p, n: f"1{p}{n:09d}", st.sampled_from("3456789"), st.integers(0, 10**9 - 1))
separators = st.sampled_from([" ", ",", "：", "号", "=", "\n", "|"])


@given(id_numbers, mobiles, separators, st.text(alphabet="你好账户 ", max_size=8))
def test_generated_personal_data_never_survives(id_number: str, mobile: str, sep: str, filler: str) -> None:
    text = f"{filler}{sep}{id_number}{sep}{mobile}{sep}{filler}"
    out = redact_text(text)
    assert id_number not in out and mobile not in out


# Sequence numbers stop short of 10**10: an 11-digit number starting 13-19 *is* a mobile number's shape,
# and masking it is the safe side of that ambiguity.
@given(st.uuids(), st.integers(0, 10**10 - 1), st.floats(0, 1e9, allow_nan=False))
def test_generated_negatives_untouched(uuid, seq: int, amount: float) -> None:
    text = f"event {uuid} seq={seq} amount={amount:.2f}"
    assert redact_text(text) == text


def test_filter_is_idempotent() -> None:
    record = logging.LogRecord("x", logging.INFO, "", 0, "pan %s", ("6222021234567890123",), None)
    f = RedactionFilter()
    f.filter(record)
    f.filter(record)
    assert record.getMessage() == "pan 622202*********0123"
