"""The link rules over a real pty: resend on lost ACK, NAK and lost answers; EOT abort; link errors by type."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from dispenser_helpers import make_pans, open_driver

from drivers.dispenser import AckTimeout, CardDispenser, NakRetriesExhausted, PortClosed, Target
from drivers.dispenser import protocol as p
from drivers.errors import Cancelled, DeviceTimeout, FramingError, LinkError
from drivers.sim.dispenser_emulator import DispenserEmulator, LinkFault
from drivers.sim.pty_link import PtyLink
from drivers.status import Completion


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a condition the emulator reports (a safety-net timeout, not a timing assumption)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_link_errors_are_separate_types() -> None:
    for error in (AckTimeout, NakRetriesExhausted, PortClosed):
        assert issubclass(error, LinkError)
        assert not issubclass(error, DeviceTimeout | Cancelled)


def test_lost_command_is_resent_and_executed_once(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    emulator.inject(LinkFault.LOST_ACK)
    assert ready.dispense(Target.IC).ok
    assert emulator.stats["dropped"] == 1
    assert emulator.snapshot()["counters"]["dispensed"] == 1


def test_nak_is_resent(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    emulator.inject(LinkFault.NAK, count=2)
    assert ready.device_status().ok
    assert emulator.stats["naks_sent"] == 2


def test_nak_retries_exhausted(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    emulator.inject(LinkFault.NAK, count=10)
    with pytest.raises(NakRetriesExhausted):
        ready.device_status()
    assert emulator.stats["naks_sent"] == 4  # first send + 3 resends
    emulator.clear_faults()
    assert ready.device_status().ok


def test_silent_device_is_an_ack_timeout(emulator: DispenserEmulator) -> None:
    driver = open_driver(emulator.path, ack_timeout=0.05)
    emulator.inject(LinkFault.MUTE, count=100)
    with pytest.raises(AckTimeout):
        driver.initialise()
    assert emulator.stats["dropped"] == 4
    driver.close()


def test_lost_answer_to_a_quick_command_is_resent(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    before = emulator.stats["commands"]
    emulator.inject(LinkFault.LOST_RESPONSE)
    assert ready.device_status().ok
    assert emulator.stats["commands"] - before == 2


def test_lost_answer_to_a_move_is_not_resent(emulator: DispenserEmulator, pans: list[str]) -> None:
    driver = open_driver(emulator.path, move_timeout=0.3)
    assert driver.initialise().ok
    emulator.inject(LinkFault.LOST_RESPONSE)
    result = driver.move(Target.IC)
    assert result.completion is Completion.TIMEOUT
    assert emulator.stats["eots"] == 1  # the driver cleared the line
    # The move ran once: the card is at the IC station, and only one card left the stack.
    assert emulator.locate(pans[0]) == "ic" and emulator.snapshot()["counters"]["dispensed"] == 1
    assert driver.device_status().ok
    driver.close()


def test_corrupt_answer_is_naked_and_sent_again(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    emulator.inject(LinkFault.CORRUPT_RESPONSE)
    assert ready.dispense(Target.IC).ok
    assert emulator.stats["naks_received"] == 1
    assert emulator.snapshot()["counters"]["dispensed"] == 1


def test_cancel_aborts_a_running_move_with_eot() -> None:
    with DispenserEmulator(make_pans(3), move_delay=10.0, initialised=True) as emu:
        driver = open_driver(emu.path, move_timeout=30.0)
        cancel = threading.Event()
        results = []
        worker = threading.Thread(target=lambda: results.append(driver.move(Target.IC, cancel=cancel)))
        worker.start()
        wait_for(lambda: emu.stats["acks"] == 1)
        cancel.set()
        worker.join(timeout=10)
        assert results[0].completion is Completion.CANCELED
        assert emu.stats["eots"] == 1
        assert emu.snapshot()["counters"]["dispensed"] == 0  # the motor stopped before the card moved
        driver.close()


def test_cancel_before_sending(ready: CardDispenser, emulator: DispenserEmulator) -> None:
    cancel = threading.Event()
    cancel.set()
    before = emulator.stats["commands"]
    assert ready.move(Target.IC, cancel=cancel).completion is Completion.CANCELED
    assert emulator.stats["commands"] == before


def test_unplugged_device_is_port_closed(pans: list[str]) -> None:
    emu = DispenserEmulator(pans, initialised=True)
    driver = open_driver(emu.path)
    assert driver.device_status().ok
    emu.close()
    with pytest.raises(PortClosed):
        driver.device_status()
    driver.close()


def test_missing_port_is_port_closed() -> None:
    with pytest.raises(PortClosed):
        CardDispenser("/dev/nonexistent-dispenser").open()


def test_trace_hook_sees_the_wire(emulator: DispenserEmulator) -> None:
    seen: list[tuple[str, bytes]] = []
    driver = open_driver(emulator.path, trace=lambda d, b: seen.append((d, b)))
    driver.device_status()
    assert seen[0] == ("tx", bytes.fromhex("F2 00 00 03 43 31 30 03 B0"))
    assert any(d == "rx" for d, _ in seen)
    assert seen[-1] == ("tx", b"\x06")  # the host ACKs the answer
    driver.close()


class ScriptedPeer:
    """A raw device on a pty that answers each received byte string with a scripted reply (for odd wire cases)."""

    def __init__(self, reply: Callable[[bytes], bytes]) -> None:
        self.link = PtyLink()
        self.reply = reply
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deframer = p.Deframer()
        while not self._stop.is_set():
            for token in deframer.feed(self.link.read(timeout=0.02)):
                raw = token.raw if isinstance(token, p.Frame | p.BadFrame) else bytes([token.value])
                self.received.append(raw)
                self.link.write(self.reply(raw))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.link.close()


def _answer(command: bytes, *, corrupt: bool = False) -> bytes:
    cmd = p.decode_command(command)
    raw = p.encode_positive(p.PositiveResponse(cmd.cm, cmd.pm, b"020"))
    return raw[:-1] + bytes([raw[-1] ^ 1]) if corrupt else raw


def test_answer_that_stays_corrupt_is_a_framing_error() -> None:
    peer = ScriptedPeer(lambda raw: b"\x06" + _answer(raw, corrupt=True) if raw[0] == p.STX else
                        _answer(peer.received[0], corrupt=True) if raw == b"\x15" else b"")
    driver = open_driver(peer.link.path)
    with pytest.raises(FramingError):
        driver.device_status()
    assert peer.received.count(bytes([p.NAK])) == 3
    driver.close()
    peer.close()


def test_stale_answer_and_noise_are_skipped() -> None:
    stale = p.encode_positive(p.PositiveResponse(p.CM.FIRMWARE, 0x30, b"020", b"old"))
    peer = ScriptedPeer(lambda raw: stale + b"\x06\x99" + stale + _answer(raw) if raw[0] == p.STX else b"")
    driver = open_driver(peer.link.path)
    result = driver.device_status()
    assert result.ok and result.value is not None
    driver.close()
    peer.close()


def test_answer_crossing_the_eot_wins() -> None:
    """Spec case 7: the host sent EOT but the answer was already on its way; the host takes the answer."""
    held: list[bytes] = []

    def reply(raw: bytes) -> bytes:
        if raw[0] == p.STX:
            held.append(_answer(raw))
            return b"\x06"
        return held[0] if raw == b"\x04" else b""

    peer = ScriptedPeer(reply)
    driver = open_driver(peer.link.path, move_timeout=0.2)
    assert driver.move(Target.IC).ok
    driver.close()
    peer.close()
