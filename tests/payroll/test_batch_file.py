"""The electronic batch file: write -> parse gives back the same batch (hypothesis), and the validator names
the line and field of every kind of damage."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from central_service.ids import make_id_number, make_uscc
from central_service.payroll import batch_file as bf

GBK_NAME_CHARS = "张王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施伟芳娜敏静丽强磊军洋欧阳·"


@st.composite
def employees(draw: st.DrawFn) -> tuple[bf.Employee, ...]:
    count = draw(st.integers(0, 25))
    rng = random.Random(draw(st.integers(0, 2**32)))
    out, seen = [], set()
    for line in range(1, count + 1):
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 17000))
        male = rng.random() < 0.5
        number = make_id_number("350203", born, rng, male=male)
        if number in seen:
            continue
        seen.add(number)
        expiry = draw(st.one_of(st.none(), st.dates(date(2027, 1, 1), date(2060, 12, 31))))
        out.append(bf.Employee(line, f"pe_{line:016d}", draw(st.text(GBK_NAME_CHARS, min_size=1, max_size=20)),
                               number, expiry, "M" if male else "F", born, f"1{rng.randrange(3, 10)}{line:09d}",
                               draw(st.text("ABC0123456789-", max_size=20))))
    return tuple(out)


def _header(rng: random.Random | None = None) -> bf.Header:
    return bf.Header("pb_0123456789abcdef", make_uscc("350203", rng or random.Random(1)), "厦门示例科技有限公司",
                     "3502031234567890", "BJ001", "payroll_debit", date(2026, 12, 1))


@settings(max_examples=60, deadline=None)
@given(employees())
def test_round_trip(people: tuple[bf.Employee, ...]) -> None:
    original = bf.BatchFile(_header(), people)
    data = bf.write(original)
    assert bf.validate(data) == []
    assert bf.parse(data) == original
    assert len(data) == (len(people) + 2) * bf.RECORD


def _sample(count: int = 3) -> bytes:
    rng = random.Random(7)
    people = []
    for line in range(1, count + 1):
        born = date(1990, 1, line)
        people.append(bf.Employee(line, f"pe_{line:016d}", "张三", make_id_number("350203", born, rng, male=True),
                                  None, "M", born, f"139{line:08d}"))
    return bf.write(bf.BatchFile(_header(), tuple(people)))


def _poke(data: bytes, line: int, layout: tuple[tuple[str, int, str], ...], name: str, value: bytes) -> bytes:
    offset = (line - 1) * bf.RECORD
    for field, width, _ in layout:
        if field == name:
            assert len(value) == width
            return data[:offset] + value + data[offset + len(value):]
        offset += width
    raise KeyError(name)


def _resign(data: bytes) -> bytes:
    """Recompute the trailer's digest, so only the damage under test remains."""
    import hashlib
    body = data[: -bf.RECORD]
    return _poke(data, len(data) // bf.RECORD, bf.TRAILER, "sha256", hashlib.sha256(body).hexdigest().encode())


@pytest.mark.parametrize(("line", "layout", "field", "value", "expected"), [
    (3, bf.DETAIL, "id_number", b"350203199001021234", (3, "id_number")),
    (2, bf.DETAIL, "date_of_birth", b"19900230", (2, "date_of_birth")),
    (4, bf.DETAIL, "mobile", b"2391234567x", (4, "mobile")),
    (1, bf.HEADER, "uscc", b"911111111111111111", (1, "uscc")),
    (2, bf.DETAIL, "line", b"00000a", (2, "line")),
    (2, bf.DETAIL, "sex", b"F", (2, "sex")),
    (3, bf.DETAIL, "name", b"\xd5" + b" " * 39, (3, "name")),
])
def test_validator_names_line_and_field(line, layout, field, value, expected) -> None:
    damaged = _resign(_poke(_sample(), line, layout, field, value))
    problems = bf.validate(damaged)
    assert [(p.line, p.field) for p in problems] == [expected], problems
    with pytest.raises(bf.BatchFileInvalid) as caught:
        bf.parse(damaged)
    assert f"line {expected[0]}, {expected[1]}" in str(caught.value)


def test_trailer_count_digest_duplicates_and_framing() -> None:
    data = _sample()
    tampered = _poke(data, 2, bf.DETAIL, "mobile", b"13900000999")
    assert [(p.line, p.field) for p in bf.validate(tampered)] == [(5, "sha256")]
    recount = _resign(_poke(data, 5, bf.TRAILER, "count", b"000004"))
    assert [(p.line, p.field) for p in bf.validate(recount)] == [(5, "count")]
    twin = _resign(data[: 2 * bf.RECORD] + _poke(data, 2, bf.DETAIL, "line", b"000002")[bf.RECORD : 2 * bf.RECORD]
                   + data[3 * bf.RECORD :])
    assert (3, "id_number") in [(p.line, p.field) for p in bf.validate(twin)]
    assert [(p.line, p.field) for p in bf.validate(data[:-1])] == [(5, "record"), (4, "record_type")]
    assert bf.validate(b"") == [bf.Problem(1, "file", "empty file")]


def test_writer_refuses_what_does_not_fit() -> None:
    person = bf.Employee(1, "pe_1", "欧阳" * 11, "11010519491231002X", None, "F", date(1949, 12, 31), "13912345678")
    with pytest.raises(bf.FieldTooLong, match="line 2, name"):
        bf.write(bf.BatchFile(_header(), (person,)))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1200))
def test_any_bytes_get_problems_not_exceptions(data: bytes) -> None:
    problems = bf.validate(data)
    assert isinstance(problems, list)
    if problems:
        with pytest.raises(bf.BatchFileInvalid):
            bf.parse(data)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 3 * bf.RECORD - 1), st.integers(0, 255))
def test_any_single_byte_change_is_found(position: int, value: int) -> None:
    data = _sample(1)
    if data[position] == value:
        return
    damaged = data[:position] + bytes([value]) + data[position + 1:]
    assert bf.validate(damaged) != []
