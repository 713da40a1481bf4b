"""The driver against the emulator over a real pty: every layout, every status code, every line fault."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from drivers.errors import ChecksumError, DeviceTimeout, FramingError, LinkError, ProtocolError
from drivers.idcard import SW3_TABLE, CardType, Command, IdCardReader, Sex
from drivers.sim.idcard_emulator import SAMPLE_FIELDS, EmulatedCard, Fault, IdCardEmulator
from drivers.status import Completion, DeviceState, MediaState

TODAY = dt.date(2024, 6, 1)
READ_SEQUENCE = [Command.FIND_CARD, Command.SELECT_CARD, Command.READ_TEXT_PHOTO]


def test_sam_id_and_status(reader: IdCardReader) -> None:
    result = reader.sam_id()
    assert result.ok and result.value == "05.01-20101111-000123456-000654321"
    status = reader.status()
    assert status.device is DeviceState.ONLINE and status.details["sam"] == "ok"


def test_missing_port_is_a_clear_link_error_and_offline_status(tmp_path) -> None:
    reader = IdCardReader(str(tmp_path / "no-such-tty"), command_timeout=0.1)
    with pytest.raises(LinkError) as info:
        reader.sam_id()
    assert "no-such-tty" in str(info.value) and info.value.code == "open"
    status = reader.status()
    assert status.device is DeviceState.OFFLINE and "no-such-tty" in status.details["error"]


@pytest.mark.parametrize("card_type", list(CardType))
def test_reads_every_layout(emulator: IdCardEmulator, reader: IdCardReader, card_type: CardType) -> None:
    photo = bytes(range(256)) * 4
    emulator.place_card(EmulatedCard.build(card_type, photo=photo))
    result = reader.read_card()
    assert result.ok, result
    document = result.value
    assert document.card_type is card_type and document.photo == photo and document.fingerprint is None
    assert document.number == SAMPLE_FIELDS[card_type]["number"]
    assert document.name == SAMPLE_FIELDS[card_type]["name"]
    document.validate(TODAY)
    assert emulator.commands == READ_SEQUENCE
    assert reader.media is MediaState.PRESENT


def test_reads_fingerprint_and_appended_address(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build(fingerprint=b"\x07" * 1024, appended_address="上海市浦东新区世纪大道1号"))
    document = reader.read_card(fingerprint=True, appended_address=True).value
    assert document.fingerprint == b"\x07" * 1024
    assert document.appended_address == "上海市浦东新区世纪大道1号" == document.current_address
    assert emulator.commands[-2:] == [Command.READ_TEXT_PHOTO_FINGERPRINT, Command.READ_ADDRESS]


def test_card_without_appended_address(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build())
    document = reader.read_card(appended_address=True).value
    assert document.appended_address is None and document.current_address == document.address
    assert reader.read_appended_address().error_code == "noContent"


def test_no_card(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    result = reader.read_card()
    assert (result.completion, result.error_code, result.value) == (Completion.COMMAND_ERROR, "noMedia", None)
    assert reader.media is MediaState.NOT_PRESENT
    assert reader.select_card().error_code == "selectFailed"
    assert reader.read_record().error_code == "readFailed"


def test_removal_mid_read(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build())
    emulator.remove_during_read()
    result = reader.read_card()
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "readFailed")
    assert reader.find_card().error_code == "noMedia"


@pytest.mark.parametrize("sw3", sorted(set(SW3_TABLE) - {0x90, 0x91, 0x9F}))
def test_every_sam_error_code_becomes_a_typed_result(
    emulator: IdCardEmulator, reader: IdCardReader, sw3: int
) -> None:
    emulator.place_card(EmulatedCard.build())
    emulator.sam_error(sw3, command=Command.READ_TEXT_PHOTO, count=2)  # 10 and 11 are resent once
    result = reader.read_card()
    outcome = SW3_TABLE[sw3]
    assert (result.completion, result.error_code, result.value) == (outcome.completion, outcome.error_code, None)


def test_sam_fault_shows_in_status(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.sam_error(0x60, command=Command.STATUS)
    status = reader.status()
    assert status.device is DeviceState.HARDWARE_ERROR and status.details["sam"] == "samSelfTestFailed"
    assert reader.sam_id().ok


def test_unknown_status_code_is_a_protocol_error(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.sam_error(0x55, command=Command.FIND_CARD)
    with pytest.raises(ProtocolError) as info:
        reader.find_card()
    assert info.value.code == "55"


def test_command_line_noise_is_resent_once(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.sam_error(0x10, command=Command.FIND_CARD)
    emulator.place_card(EmulatedCard.build())
    assert reader.read_card().ok
    assert emulator.commands[:2] == [Command.FIND_CARD, Command.FIND_CARD]


@pytest.mark.parametrize(("fault", "reads"), [(Fault.CHECKSUM, 2), (Fault.GARBAGE, 1)])
def test_one_bad_answer_is_recovered(emulator: IdCardEmulator, reader: IdCardReader, fault: Fault, reads: int) -> None:
    emulator.place_card(EmulatedCard.build())
    emulator.inject(fault, command=Command.READ_TEXT_PHOTO)
    assert reader.read_card().ok
    assert emulator.commands.count(Command.READ_TEXT_PHOTO) == reads


def test_persistent_checksum_errors_raise(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build())
    emulator.inject(Fault.CHECKSUM, command=Command.READ_TEXT_PHOTO, count=2)
    with pytest.raises(ChecksumError) as info:
        reader.read_card()
    assert len(info.value.raw) == 1295
    assert reader.read_card().ok  # the next read is clean


@pytest.mark.parametrize("fault", [Fault.TRUNCATE, Fault.SILENCE, Fault.GARBAGE_ONLY])
def test_truncated_or_missing_answer_times_out(emulator: IdCardEmulator, reader: IdCardReader, fault: Fault) -> None:
    emulator.place_card(EmulatedCard.build())
    emulator.inject(fault, command=Command.SELECT_CARD)
    with pytest.raises(DeviceTimeout):
        reader.read_card()
    assert reader.read_card().ok  # the stale half-frame is flushed before the next command


def test_garbage_answers_everything_raise_framing_or_timeout(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.inject(Fault.GARBAGE_ONLY, count=5)
    with pytest.raises((FramingError, DeviceTimeout)):
        reader.sam_id()


def test_cancel_before_answer_gives_canceled_result(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.inject(Fault.SILENCE, command=Command.FIND_CARD)
    cancel = threading.Event()
    cancel.set()
    result = reader.read_card(cancel=cancel)
    assert result.completion is Completion.CANCELED


def test_soft_unplug_times_out_then_recovers(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.unplug()
    with pytest.raises(DeviceTimeout):
        reader.sam_id()
    assert reader.status().device is DeviceState.OFFLINE
    emulator.replug()
    assert reader.sam_id().ok


def test_hard_unplug_is_a_link_error_and_reopen_works(linked_emulator: IdCardEmulator) -> None:
    reader = IdCardReader(linked_emulator.path, command_timeout=0.3)
    assert reader.sam_id().ok
    linked_emulator.unplug(hard=True)
    with pytest.raises(LinkError):
        reader.sam_id()
    with pytest.raises(LinkError):
        reader.sam_id()  # port file gone: open fails
    linked_emulator.replug()
    assert reader.sam_id().ok
    reader.close()


def test_sex_and_nation_reach_the_document(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build(CardType.RESIDENT, nation="03"))
    document = reader.read_card().value
    assert (document.sex, document.nation_name) == (Sex.MALE, "回")


def test_device_check_for_doctor(emulator: IdCardEmulator, reader: IdCardReader, tmp_path) -> None:
    check = reader.check()
    assert check.sam_id == "05.01-20101111-000123456-000654321" and check.status.device is DeviceState.ONLINE
    assert check.lines()[:2] == ["status: online", "SAM id: 05.01-20101111-000123456-000654321"]
    emulator.sam_error(0x66, command=Command.READ_SAM_ID)
    refused = reader.check()
    assert refused.sam_id is None and refused.status.details["sam"] == "samNotAuthorised"
    missing = IdCardReader(str(tmp_path / "ttyNONE")).check()
    assert missing.status.device is DeviceState.OFFLINE
    assert missing.lines()[:2] == ["status: offline", "SAM id: unavailable"]


def test_paced_emulator_takes_at_least_wire_time() -> None:
    with IdCardEmulator(pace=True, baudrate=115200) as emu, IdCardReader(emu.path, read_timeout=5) as reader:
        emu.place_card(EmulatedCard.build())
        start = time.perf_counter()
        assert reader.read_card().ok
        elapsed = time.perf_counter() - start
        assert elapsed >= (emu.bytes_in + emu.bytes_out) * 10 / 115200 * 0.99
