"""Exhaustive tests of the status and error tables, and of the disputed-byte dialects."""

from __future__ import annotations

import pytest

from drivers.dispenser import tables as t
from drivers.errors import ProtocolError
from drivers.status import Completion, MediaState

VALID = {0: b"012", 1: b"012", 2: b"01"}


@pytest.mark.parametrize("dialect", list(t.DIALECTS.values()), ids=lambda d: d.name)
@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_status_byte_value_is_typed_or_refused(dialect: t.Dialect, index: int) -> None:
    for value in range(256):
        st = bytearray(b"000")
        st[index] = value
        if value in VALID[index]:
            status = t.decode_status(bytes(st), dialect)
            assert t.encode_status(status, dialect) == bytes(st)
        else:
            with pytest.raises(ProtocolError):
                t.decode_status(bytes(st), dialect)


def test_status_bytes_meaning() -> None:
    status = t.decode_status(b"211", t.CREATOR)
    assert (status.card_position, status.stacker, status.bin_full) == (t.CardPosition.IC, t.StackerLevel.LOW, True)
    assert status.media is MediaState.PRESENT
    assert (status.stock_unit, status.bin_unit) == (t.StorageUnitState.LOW, t.StorageUnitState.FULL)
    empty = t.decode_status(b"000", t.CREATOR)
    assert empty.media is MediaState.NOT_PRESENT and empty.stock_unit is t.StorageUnitState.EMPTY
    assert t.decode_status(b"020", t.CREATOR).details() == {
        "media": "notPresent", "position": "none", "stock": "ok", "bin": "ok"}


def test_swtest_dialect_reads_bin_byte_inverted() -> None:
    assert t.decode_status(b"020", t.SWTEST_ATM).bin_full
    assert not t.decode_status(b"021", t.SWTEST_ATM).bin_full


def test_wrong_status_length() -> None:
    with pytest.raises(ProtocolError):
        t.decode_status(b"00", t.CREATOR)


def test_every_two_byte_error_code_maps_to_a_row() -> None:
    known = set(t.ERRORS)
    for e1 in range(256):
        for e0 in range(256):
            code = bytes([e1, e0]).decode("latin-1")
            spec = t.error_spec(code)
            assert isinstance(spec.error_class, t.ErrorClass)
            assert isinstance(spec.completion, Completion)
            assert spec.completion is not Completion.SUCCESS
            if code in known:
                assert spec.fault.value == code
            else:
                assert spec.fault is t.Fault.UNKNOWN and spec.error_class is t.ErrorClass.FATAL


def test_table_covers_every_fault_and_every_class() -> None:
    assert set(t.ERRORS) == {f.value for f in t.Fault}
    assert {s.error_class for s in t.ERRORS.values()} == set(t.ErrorClass)


@pytest.mark.parametrize(
    ("code", "error_class", "error_code"),
    [
        ("10", t.ErrorClass.NEEDS_STAFF, "mediaJam"),
        ("A0", t.ErrorClass.NEEDS_STAFF, "noMedia"),
        ("A1", t.ErrorClass.NEEDS_STAFF, "full"),
        ("B0", t.ErrorClass.NEEDS_INITIALISE, "notInitialised"),
        ("45", t.ErrorClass.NEEDS_INITIALISE, "mediaMovedManually"),
        ("51", t.ErrorClass.FATAL, "motorError"),
        ("61", t.ErrorClass.CARD_ERROR, "invalidMedia"),
        ("04", t.ErrorClass.RETRYABLE, "dataError"),
    ],
)
def test_key_rows(code: str, error_class: t.ErrorClass, error_code: str) -> None:
    spec = t.error_spec(code)
    assert (spec.error_class, spec.error_code) == (error_class, error_code)


@pytest.mark.parametrize("dialect", list(t.DIALECTS.values()), ids=lambda d: d.name)
def test_dialect_move_bytes_are_a_bijection(dialect: t.Dialect) -> None:
    pms = [dialect.pm_for(target) for target in t.Target]
    assert len(set(pms)) == len(t.Target)
    assert all(dialect.target_for(dialect.pm_for(target)) is target for target in t.Target)
    assert dialect.target_for(0x3F) is None


def test_disputed_bytes() -> None:
    assert (t.CREATOR.pm_for(t.Target.HOLDING), t.CREATOR.pm_for(t.Target.GATE)) == (0x30, 0x39)
    assert (t.SWTEST_ATM.pm_for(t.Target.HOLDING), t.SWTEST_ATM.pm_for(t.Target.GATE)) == (0x39, 0x30)
    with pytest.raises(ValueError):
        t.dialect_named("nope")


def test_sensor_bytes() -> None:
    flags = {"gate_outer": True, "ic_rear": True}
    raw = t.encode_sensors(flags)
    assert raw == b"10010000"
    decoded = dict(t.decode_sensors(raw))
    assert decoded == {name: name in flags for name in t.SENSOR_NAMES}
    for bad in (b"100", b"100X0000"):
        with pytest.raises(ProtocolError):
            t.decode_sensors(bad)
