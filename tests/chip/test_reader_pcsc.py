"""ChipReader against the virtual card under the real pcscd (vpcd): every outcome the issuance flow sees."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from drivers.chip import (
    CardAbsent,
    ChipReader,
    MuteCard,
    PcscUnavailable,
    ReaderNotFound,
    WrongApplication,
)
from drivers.chip import protocol as p
from drivers.sim import pcscd
from drivers.sim.pboc_card import VirtualIcStation, VirtualPbocCard
from drivers.status import Completion, DeviceState

TEST_PAN = "6228480012345678901"  # the conftest default, made up

MakeCard = Callable[..., VirtualPbocCard]


@pytest.fixture
def reader(slot: pcscd.SlotLease) -> ChipReader:
    return ChipReader(slot.reader, card_timeout=3.0, read_timeout=3.0)


def test_reads_t0_card_through_pcscd(reader: ChipReader, make_card: MakeCard) -> None:
    card = make_card(cardholder_name="LI/SI", psn="03")
    card.insert()  # no wait: the reader itself waits for pcscd to see the card
    result = reader.read_card()
    assert result.ok, result.detail
    assert (result.value.pan, result.value.psn, result.value.label) == (TEST_PAN, "03", "UnionPay Debit")
    assert reader.last_exchanges == 17  # T=0: 3 GET RESPONSEs and 5 Le resends went over pcscd
    assert reader.read().pan == TEST_PAN  # a second read of the same card


def test_t1_style_and_track2_only_card(reader: ChipReader, make_card: MakeCard) -> None:
    card = make_card()
    card.t0, card.pan_in_track2_only, card.gpo_format = False, True, 1
    card.insert()
    assert reader.read().pan == TEST_PAN
    assert reader.last_exchanges == 9


def test_no_card_is_a_timeout_result(reader: ChipReader) -> None:
    result = reader.read_card(card_timeout=0.3)
    assert (result.completion, result.error_code) == (Completion.TIMEOUT, "noMedia")
    with pytest.raises(CardAbsent):
        reader.read(card_timeout=0.2)


def test_wrong_application(reader: ChipReader, make_card: MakeCard) -> None:
    make_card(aid=bytes.fromhex("A0000000031010")).insert()
    with pytest.raises(WrongApplication):
        reader.read()
    result = reader.read_card()
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "noApplication")


def test_malformed_tlv_is_invalid_data(reader: ChipReader, make_card: MakeCard) -> None:
    card = make_card()
    card.malformed = True
    card.insert()
    result = reader.read_card()
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "invalidData")
    assert "TlvError" in result.detail and TEST_PAN not in result.detail


def test_mute_card_without_atr(reader: ChipReader, make_card: MakeCard) -> None:
    card = make_card()
    card.mute = "atr"
    card.insert()
    with pytest.raises(MuteCard) as info:
        reader.read()
    assert info.value.code == "atrNotObtained"


def test_card_that_stops_answering_times_out(slot: pcscd.SlotLease, make_card: MakeCard) -> None:
    card = make_card()
    card.mute = "apdu"
    card.insert(wait=True)
    with ChipReader(slot.reader, card_timeout=2.0, read_timeout=0.5) as reader:
        result = reader.read_card()
        assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "noAnswer")
        card.remove(wait=True)  # frees the abandoned worker still blocked in pcscd
        card.mute = None
        card.insert()
        assert reader.read().pan == TEST_PAN  # a fresh worker: the next read does not queue behind the stuck one


def test_card_pulled_mid_read_is_card_removed(reader: ChipReader, make_card: MakeCard) -> None:
    card = make_card()
    card.insert(wait=True)
    original = card.respond

    def pull_on_gpo(apdu: bytes) -> bytes:
        if apdu[1] == p.INS_GPO:
            card.remove()  # the card leaves while GPO is in flight: its answer never reaches pcscd
            return b"\x90\x00"
        return original(apdu)

    card.respond = pull_on_gpo  # type: ignore[method-assign]
    result = reader.read_card()
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "noMedia"), result.detail


def test_cancel_while_waiting_for_card(reader: ChipReader) -> None:
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()  # the customer presses "cancel" (safety-net timer, not a script)
    result = reader.read_card(card_timeout=10.0, cancel=cancel)
    assert result.completion is Completion.CANCELED


def test_status_follows_the_card(reader: ChipReader, make_card: MakeCard) -> None:
    assert reader.status().details["media"] == "notPresent"
    card = make_card()
    card.insert(wait=True)
    status = reader.status()
    assert status.device is DeviceState.ONLINE and status.details["media"] == "present"
    card.remove(wait=True)
    assert reader.status().details["chipPower"] == "noCard"


def test_unknown_reader(pcscd_info: pcscd.PcscdInfo) -> None:
    reader = ChipReader("No Such Reader 99", card_timeout=0.2)
    assert reader.status().device is DeviceState.NO_DEVICE
    with pytest.raises(ReaderNotFound):
        reader.read_card()


def test_ic_station_callbacks_insert_and_remove(slot: pcscd.SlotLease, reader: ChipReader) -> None:
    station = VirtualIcStation(slot.port)
    try:
        station.on_card_at_ic("6228480000000000011")
        assert reader.read().pan == "6228480000000000011"
        station.on_card_left_ic("6228480000000000011")
        assert pcscd.wait_for_reader(slot.reader, present=False)
        station.on_card_at_ic("6228480000000000029")
        assert reader.read().pan == "6228480000000000029"
    finally:
        station.close()
        pcscd.wait_for_reader(slot.reader, present=False)


NO_PCSCD = """
from drivers.chip import ChipReader, PcscUnavailable
reader = ChipReader("Virtual PCD 00 00", card_timeout=0.2)
print(reader.status().device.value)
try:
    reader.read_card()
except PcscUnavailable as exc:
    print("PcscUnavailable", exc.code)
"""


def test_no_pcscd_is_pcsc_unavailable() -> None:
    """A process whose libpcsclite points at a socket nobody serves sees what a kiosk without pcscd sees."""
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    out = subprocess.run([sys.executable, "-c", NO_PCSCD], env=env, capture_output=True, text=True, timeout=30)
    assert out.stdout.split() == ["offline", "PcscUnavailable", "0x8010001D"], out.stderr
    assert PcscUnavailable.__mro__[1].__name__ == "LinkError"
