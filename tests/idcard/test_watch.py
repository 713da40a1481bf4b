"""Waiting for a card: placed / read / removed, read failures, cancellation, unplug and replug.

The test pulls events from the watch iterator and changes the emulator between pulls, so the order of
things is decided by the test, not by timers. Each watch has a timeout only as a safety net.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from drivers.idcard import CardEvent, CardEventKind, CardType, Command, IdCardReader
from drivers.sim.idcard_emulator import EmulatedCard, IdCardEmulator
from drivers.status import Completion, MediaState

K = CardEventKind
SAFETY = 10.0


def pull(events: Iterator[CardEvent], *kinds: CardEventKind) -> list[CardEvent]:
    got = [next(events) for _ in kinds]
    assert [e.kind for e in got] == list(kinds), got
    return got


def test_placed_read_removed_and_placed_again(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    events = reader.watch(threading.Event(), timeout=SAFETY)
    emulator.place_card(EmulatedCard.build(CardType.FOREIGNER_PERMANENT_2023))
    _, read = pull(events, K.PLACED, K.READ)
    assert read.document.card_type is CardType.FOREIGNER_PERMANENT_2023
    assert reader.media is MediaState.PRESENT
    emulator.remove_card()
    pull(events, K.REMOVED)
    assert reader.media is MediaState.NOT_PRESENT
    emulator.place_card(EmulatedCard.build(CardType.RESIDENT))
    _, read = pull(events, K.PLACED, K.READ)
    assert read.document.card_type is CardType.RESIDENT
    assert emulator.commands.count(Command.READ_TEXT_PHOTO) == 2  # a card is read once while it stays


def test_card_removed_mid_read(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    events = reader.watch(threading.Event(), timeout=SAFETY)
    emulator.place_card(EmulatedCard.build())
    emulator.remove_during_read()
    _, failed, _ = pull(events, K.PLACED, K.READ_FAILED, K.REMOVED)
    assert failed.result.error_code == "readFailed"
    emulator.place_card(EmulatedCard.build())
    pull(events, K.PLACED, K.READ)


def test_card_that_keeps_failing_is_tried_twice_then_left_alone(
    emulator: IdCardEmulator, reader: IdCardReader
) -> None:
    events = reader.watch(threading.Event(), timeout=SAFETY)
    emulator.sam_error(0x32, command=Command.READ_TEXT_PHOTO, count=100)
    emulator.place_card(EmulatedCard.build())
    _, first, second = pull(events, K.PLACED, K.READ_FAILED, K.READ_FAILED)
    assert first.result.error_code == second.result.error_code == "samAuthFailed"
    emulator.remove_card()
    pull(events, K.REMOVED)
    assert emulator.commands.count(Command.READ_TEXT_PHOTO) == 2


def test_bad_frames_mid_read_are_reported_and_retried(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    from drivers.sim.idcard_emulator import Fault

    emulator.inject(Fault.CHECKSUM, command=Command.READ_TEXT_PHOTO, count=2)
    events = reader.watch(threading.Event(), timeout=SAFETY)
    emulator.place_card(EmulatedCard.build())
    _, failed, read = pull(events, K.PLACED, K.READ_FAILED, K.READ)
    assert failed.result.completion is Completion.INVALID_DATA and failed.result.error_code == "checksum"
    assert read.document is not None


def test_sam_fault_on_find_is_reported(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.sam_error(0x60, command=Command.FIND_CARD)
    (fault,) = pull(reader.watch(threading.Event(), timeout=SAFETY), K.FAULT)
    assert fault.result.error_code == "samSelfTestFailed"


def test_wait_for_card_reports_events_and_returns_the_document(
    emulator: IdCardEmulator, reader: IdCardReader
) -> None:
    seen: list[CardEventKind] = []
    emulator.place_card(EmulatedCard.build(CardType.HMT_RESIDENCE_PERMIT))
    result = reader.wait_for_card(threading.Event(), timeout=SAFETY, on_event=lambda e: seen.append(e.kind))
    assert result.ok and result.value.card_type is CardType.HMT_RESIDENCE_PERMIT
    assert seen == [K.PLACED, K.READ]


def test_wait_for_card_times_out(reader: IdCardReader) -> None:
    result = reader.wait_for_card(threading.Event(), timeout=0.05)
    assert result.completion is Completion.TIMEOUT


def test_wait_for_card_is_cancelled_from_another_thread(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    cancel = threading.Event()
    results = []
    worker = threading.Thread(target=lambda: results.append(reader.wait_for_card(cancel, timeout=SAFETY)))
    worker.start()
    deadline = time.monotonic() + SAFETY
    while emulator.commands.count(Command.FIND_CARD) < 3 and time.monotonic() < deadline:
        time.sleep(0.001)  # waiting for a condition, not scripting the emulator
    cancel.set()
    started = time.monotonic()
    worker.join(SAFETY)
    assert not worker.is_alive() and time.monotonic() - started < 1.0
    assert results[0].completion is Completion.CANCELED


def test_wait_for_removal(emulator: IdCardEmulator, reader: IdCardReader) -> None:
    emulator.place_card(EmulatedCard.build())
    assert reader.read_card().ok
    assert reader.wait_for_removal(threading.Event(), timeout=0.05).completion is Completion.TIMEOUT
    emulator.remove_card()
    seen: list[CardEventKind] = []
    result = reader.wait_for_removal(threading.Event(), timeout=SAFETY, on_event=lambda e: seen.append(e.kind))
    assert result.ok and seen == [K.REMOVED]
    assert reader.wait_for_removal(threading.Event(), timeout=SAFETY).ok  # nothing there: at once
    assert emulator.commands.count(Command.READ_TEXT_PHOTO) == 1  # waiting for removal never reads


def test_silent_reader_goes_offline_and_comes_back(emulator: IdCardEmulator) -> None:
    with IdCardReader(emulator.path, command_timeout=0.05, poll_interval=0.005, offline_after=2) as reader:
        events = reader.watch(threading.Event(), timeout=SAFETY)
        emulator.place_card(EmulatedCard.build())
        pull(events, K.PLACED, K.READ)
        emulator.unplug()
        (offline,) = pull(events, K.OFFLINE)
        assert "no answer" in offline.detail and reader.media is MediaState.UNKNOWN
        emulator.replug()
        pull(events, K.ONLINE, K.PLACED, K.READ)  # after an outage the card is read afresh


@pytest.mark.parametrize("card_back", [False, True])
def test_unplugged_port_is_reopened(linked_emulator: IdCardEmulator, card_back: bool) -> None:
    with IdCardReader(linked_emulator.path, command_timeout=0.2, poll_interval=0.005) as reader:
        events = reader.watch(threading.Event(), timeout=SAFETY)
        linked_emulator.place_card(EmulatedCard.build())
        pull(events, K.PLACED, K.READ)
        linked_emulator.unplug(hard=True)
        pull(events, K.OFFLINE)
        assert not reader.is_open
        if not card_back:
            linked_emulator.remove_card()
        linked_emulator.replug()
        expected = (K.ONLINE, K.PLACED, K.READ) if card_back else (K.ONLINE,)
        pull(events, *expected)
        assert reader.status().details["sam"] == "ok"
