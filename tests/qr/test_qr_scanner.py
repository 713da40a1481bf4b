"""The barcode driver against the scanner emulator over a real pty: scans, junk, commands, unplugging."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from central_api_client.tokens import verify
from drivers.barcode import BarcodeScanner, FramingConfig, LinkChanged, Rejected, RejectReason, Scan, ScannerConfig
from drivers.barcode.protocol import QR_ALPHANUMERIC, STX
from drivers.errors import LinkError
from drivers.sim.barcode_emulator import BarcodeEmulator
from drivers.status import Completion, DeviceState

SAFETY = 5.0  # generous safety net; nothing below waits this long when things work


class Events:
    """Collects driver events from the reader thread; `expect` waits for the next of one type."""

    def __init__(self) -> None:
        self.queue: queue.Queue[object] = queue.Queue()

    def __call__(self, event: object) -> None:
        self.queue.put(event)

    def expect(self, kind: type, timeout: float = SAFETY) -> object:
        deadline = time.monotonic() + timeout
        while True:
            event = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            if isinstance(event, kind):
                return event


def wait_until(predicate: Callable[[], bool], timeout: float = SAFETY) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached within the safety timeout"
        time.sleep(0.001)


@pytest.fixture
def rig(request: pytest.FixtureRequest) -> Iterator[tuple[BarcodeEmulator, BarcodeScanner, Events]]:
    """An emulator and a started driver; parametrize indirectly with (model, FramingConfig)."""
    model, framing = getattr(request, "param", ("honeywell", FramingConfig()))
    events = Events()
    with BarcodeEmulator(model, framing) as emulator:
        config = ScannerConfig(url=emulator.path, model=model, framing=framing, reconnect_interval=0.02)
        with BarcodeScanner(config, on_event=events) as scanner:
            assert scanner.wait_online(SAFETY)
            yield emulator, scanner, events


def test_shown_code_is_read_and_reported(rig):
    emulator, scanner, events = rig
    assert events.expect(LinkChanged).online
    emulator.show("HELLO-123")
    assert scanner.next_scan(SAFETY).value == Scan("HELLO-123")
    assert events.expect(Scan) == Scan("HELLO-123")
    assert scanner.status().device is DeviceState.ONLINE and scanner.status().details["scans"] == "1"


def test_scanned_token_verifies(rig, make_token, ring, used, now, branch):
    emulator, scanner, _ = rig
    text = make_token()
    emulator.show(text)
    token = verify(scanner.next_scan(SAFETY).value.data, ring, branch_id=branch, now=now, consume=used)
    assert token.appointment_id == "APT-20250314-0042"


def test_split_writes_make_one_scan(rig):
    emulator, scanner, _ = rig
    base = scanner.counters["bytes"]

    def pace(sent: int) -> None:  # the driver has read each piece before the next one goes out
        wait_until(lambda: scanner.counters["bytes"] >= base + sent)

    emulator.send_chunks(b"SPLIT-CODE-0042", [1, 3, 5, 2], pace)
    assert scanner.next_scan(SAFETY).value == Scan("SPLIT-CODE-0042")


def test_over_long_and_binary_input_are_rejected_and_reading_goes_on(rig):
    emulator, scanner, events = rig
    emulator.send_raw(b"A" * 5000 + b"\r")
    assert events.expect(Rejected).reason is RejectReason.TOO_LONG
    emulator.send_raw(bytes(range(14, 256)) + b"\r")
    assert events.expect(Rejected).reason is RejectReason.BINARY
    emulator.show("AFTER")
    assert scanner.next_scan(SAFETY).value == Scan("AFTER")
    assert int(scanner.status().details["rejected"]) >= 2


@pytest.mark.parametrize("rig", [("honeywell", FramingConfig(prefix=STX, charset=QR_ALPHANUMERIC))], indirect=True)
def test_noise_before_a_prefixed_code_is_dropped(rig):
    emulator, scanner, events = rig
    emulator.noise()
    emulator.show("BKQ:ABC234")
    assert scanner.next_scan(SAFETY).value == Scan("BKQ:ABC234")
    assert events.expect(Rejected).reason is RejectReason.NOISE


def test_disable_puts_the_scanner_in_trigger_mode_and_trigger_reads(rig):
    emulator, scanner, _ = rig
    assert scanner.disable().completion is Completion.SUCCESS
    assert emulator.presentation is False
    emulator.show("WAITING")
    assert emulator._shown == b"WAITING"  # held: a scanner in trigger mode reads nothing by itself
    assert scanner.trigger().ok
    assert scanner.next_scan(SAFETY).value == Scan("WAITING")
    assert scanner.untrigger().ok and scanner.enable().ok
    assert emulator.presentation is True
    assert emulator.commands[-2:] == [b"\x16U\r", b"\x16M\rTRGMOD3!"]


def test_menu_answers_map_to_completions(rig):
    _, scanner, _ = rig
    assert scanner.menu("TRGMOD0").ok
    unknown = scanner.menu("XYZABC1")
    assert (unknown.completion, unknown.error_code) == (Completion.INVALID_COMMAND, "XYZABC1")
    assert scanner.menu("TRGMOD9").completion is Completion.INVALID_DATA


@pytest.mark.parametrize("rig", [("plain", FramingConfig())], indirect=True)
def test_plain_scanner_has_no_commands(rig):
    emulator, scanner, _ = rig
    for command in (scanner.trigger, scanner.untrigger, scanner.enable, scanner.disable):
        assert command().completion is Completion.UNSUPPORTED_COMMAND
    assert scanner.menu("TRGMOD0").completion is Completion.UNSUPPORTED_COMMAND
    emulator.show("PLAIN")
    assert scanner.next_scan(SAFETY).value == Scan("PLAIN")


@pytest.mark.parametrize("rig", [("cipherlab", FramingConfig())], indirect=True)
def test_cipherlab_enable_disable(rig):
    emulator, scanner, _ = rig
    assert scanner.disable().ok and emulator.wait_for_commands(1)
    assert emulator.enabled is False
    emulator.show("LATER")
    assert scanner.enable().ok and emulator.wait_for_commands(2)
    assert scanner.next_scan(SAFETY).value == Scan("LATER")


def test_unplug_and_replug(rig):
    emulator, scanner, events = rig
    assert events.expect(LinkChanged).online
    emulator.unplug()
    assert not events.expect(LinkChanged).online
    assert scanner.status().device is DeviceState.OFFLINE
    with pytest.raises(LinkError):
        scanner.trigger()
    emulator.replug()
    assert events.expect(LinkChanged).online
    emulator.show("BACK")
    assert scanner.next_scan(SAFETY).value == Scan("BACK")
    assert scanner.counters["reconnects"] == 2


def test_next_scan_times_out_and_cancels(rig):
    _, scanner, _ = rig
    assert scanner.next_scan(0.01).completion is Completion.TIMEOUT
    cancel = threading.Event()
    cancel.set()
    assert scanner.next_scan(SAFETY, cancel).completion is Completion.CANCELED


def test_clear_forgets_unread_scans(rig):
    emulator, scanner, events = rig
    emulator.show("OLD")
    events.expect(Scan)
    assert scanner.clear() == 1
    assert scanner.next_scan(0.01).completion is Completion.TIMEOUT


def test_faulty_listener_does_not_stop_the_reader():
    def explode(event: object) -> None:
        raise RuntimeError("listener bug")

    with BarcodeEmulator("plain") as emulator, BarcodeScanner(ScannerConfig(emulator.path), explode) as scanner:
        assert scanner.wait_online(SAFETY)
        emulator.show("STILL")
        assert scanner.next_scan(SAFETY).value == Scan("STILL")


def test_missing_port_stays_offline_and_close_is_prompt(tmp_path):
    scanner = BarcodeScanner(ScannerConfig(str(tmp_path / "nothing"), reconnect_interval=0.01)).start()
    assert not scanner.wait_online(0.05)
    started = time.monotonic()
    scanner.close()
    assert time.monotonic() - started < 1.0


def test_unknown_model_is_refused():
    with pytest.raises(ValueError):
        ScannerConfig("loop://", model="acme")
