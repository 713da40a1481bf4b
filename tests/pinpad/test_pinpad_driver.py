"""The PIN pad driver against its emulator over a real pty: keys, entry, blocks, faults."""

from __future__ import annotations

import threading

import pytest
from pinpad_support import PAN, SM4_WORKING, TDES_WORKING

from drivers.errors import ChecksumError, DeviceTimeout, LinkError
from drivers.pinpad import Algorithm, Key, KeyEvent, PadEvent, Phase, PhaseEvent, PinPad, WorkingKey
from drivers.pinpad.pinblock import decode_iso9564_format0, ecb_decrypt
from drivers.pinpad.protocol import encode_frame
from drivers.sim.pinpad_emulator import PinPadEmulator
from drivers.sim.pty_link import PtyLink
from drivers.status import Completion, DeviceState


def host_decrypts(algorithm: Algorithm, working: bytes, block: bytes) -> str:
    """The HSM's half: decrypt and decode, proving the block carries the PIN."""
    clear = ecb_decrypt(algorithm, working, block)
    if algorithm is Algorithm.SM4:
        assert clear[8:] == b"\xff" * 8
    return decode_iso9564_format0(clear[:8], PAN)


def test_status_online_lists_master_keys(pad: PinPad) -> None:
    status = pad.status()
    assert status.device is DeviceState.ONLINE
    assert status.details == {"tamper": "ok", "entry": "idle", "keys": "1,2"}


def test_tdes_round_trip(pad: PinPad, emulator: PinPadEmulator, tdes_key: WorkingKey) -> None:
    loaded = pad.load_working_key(tdes_key)
    assert loaded.ok and loaded.value == tdes_key.kcv
    events: list[PadEvent] = []
    emulator.press("270419", "enter")
    result = pad.enter_pin(min_len=6, max_len=6, timeout_s=30, on_event=events.append)
    assert result.ok and result.value is not None and result.value.digits == 6
    assert events == [KeyEvent(Key.DIGIT)] * 6 + [KeyEvent(Key.ENTER)]
    block = pad.read_pin_block(PAN, tdes_key.key_slot)
    assert block.ok and block.value is not None and len(block.value.block) == 8
    assert "block" not in repr(block.value).split("key_slot")[1]
    assert host_decrypts(Algorithm.TDES, TDES_WORKING, block.value.block) == "270419"


def test_sm4_round_trip_with_clear_and_short_enter(pad: PinPad, emulator: PinPadEmulator, sm4_key: WorkingKey) -> None:
    assert pad.load_working_key(sm4_key).ok
    events: list[PadEvent] = []
    emulator.press("99", "clear", "270", "enter", "419", "enter")  # enter at 3 digits only beeps
    result = pad.enter_pin(on_event=events.append)
    assert result.ok
    assert [e.key for e in events if isinstance(e, KeyEvent)].count(Key.CLEAR) == 1
    assert events.count(KeyEvent(Key.ENTER)) == 1
    block = pad.read_pin_block(PAN, sm4_key.key_slot)
    assert block.ok and block.value is not None and block.value.algorithm is Algorithm.SM4
    assert len(block.value.block) == 16
    assert host_decrypts(Algorithm.SM4, SM4_WORKING, block.value.block) == "270419"


def test_block_is_read_once(pad: PinPad, emulator: PinPadEmulator, tdes_key: WorkingKey) -> None:
    assert pad.load_working_key(tdes_key).ok
    emulator.press("2704", "enter")
    assert pad.enter_pin(min_len=4, max_len=12).ok
    assert pad.read_pin_block(PAN, tdes_key.key_slot).ok
    again = pad.read_pin_block(PAN, tdes_key.key_slot)
    assert (again.completion, again.error_code) == (Completion.SEQUENCE_ERROR, "noPin")


def test_master_key_cannot_encrypt_pins(pad: PinPad, emulator: PinPadEmulator) -> None:
    emulator.press("270419", "enter")
    assert pad.enter_pin().ok
    result = pad.read_pin_block(PAN, 1)
    assert result.error_code == "keyNotFound"


def test_host_kcv_mismatch_is_refused_by_the_pad(pad: PinPad, tdes_key: WorkingKey) -> None:
    bad = WorkingKey(tdes_key.master_slot, tdes_key.key_slot, tdes_key.algorithm, tdes_key.wrapped_key, b"\0\0\0")
    result = pad.load_working_key(bad)
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "keyCheckValueMismatch")
    assert "10" not in pad.status().details["keys"].split(",")


def test_pad_reporting_another_kcv_is_caught(pad: PinPad, emulator: PinPadEmulator, sm4_key: WorkingKey) -> None:
    emulator.fault_wrong_kcv()
    result = pad.load_working_key(sm4_key)
    assert (result.completion, result.error_code) == (Completion.COMMAND_ERROR, "keyCheckValueMismatch")


def test_unknown_master_and_wrong_algorithm(pad: PinPad, tdes_key: WorkingKey) -> None:
    missing = WorkingKey(7, 10, Algorithm.TDES, tdes_key.wrapped_key, tdes_key.kcv)
    assert pad.load_working_key(missing).error_code == "keyNotFound"
    cross = WorkingKey(2, 10, Algorithm.TDES, tdes_key.wrapped_key, tdes_key.kcv)
    assert pad.load_working_key(cross).error_code == "algorithmNotSupported"


def test_entry_timeout(pad: PinPad, emulator: PinPadEmulator) -> None:
    emulator.press("12")
    emulator.expire_entry()
    result = pad.enter_pin()
    assert result.completion is Completion.TIMEOUT
    emulator.press("270419", "enter")  # a later entry starts clean
    assert pad.enter_pin().ok


def test_cancel_key_on_the_pad(pad: PinPad, emulator: PinPadEmulator) -> None:
    events: list[PadEvent] = []
    emulator.press("12", "cancel")
    result = pad.enter_pin(on_event=events.append)
    assert result.completion is Completion.CANCELED
    assert events[-1] == KeyEvent(Key.CANCEL)
    assert pad.read_pin_block(PAN, 10).error_code == "noPin"


def test_cancel_from_the_kiosk(pad: PinPad, emulator: PinPadEmulator) -> None:
    cancel = threading.Event()
    emulator.press("12")  # the customer typed two digits, then touched "back" on the screen

    def on_event(event: PadEvent) -> None:
        if event == KeyEvent(Key.DIGIT):
            cancel.set()

    result = pad.enter_pin(on_event=on_event, cancel=cancel)
    assert result.completion is Completion.CANCELED
    assert not emulator.entry_active


def test_tamper_erases_keys_and_refuses_everything(pad: PinPad, emulator: PinPadEmulator,
                                                   tdes_key: WorkingKey) -> None:
    assert pad.load_working_key(tdes_key).ok
    emulator.set_tamper()
    status = pad.status()
    assert status.device is DeviceState.FRAUD_ATTEMPT
    assert status.details["tamper"] == "detected" and status.details["keys"] == ""
    result = pad.enter_pin()
    assert (result.completion, result.error_code) == (Completion.FRAUD_ATTEMPT, "tampered")


def test_set_new_pin_twice(pad: PinPad, emulator: PinPadEmulator, tdes_key: WorkingKey) -> None:
    assert pad.load_working_key(tdes_key).ok
    events: list[PadEvent] = []
    emulator.press("270419", "enter", "270419", "enter")
    result = pad.set_new_pin(birth_date="19900307", on_event=events.append)
    assert result.ok
    assert [e.phase for e in events if isinstance(e, PhaseEvent)] == [Phase.FIRST, Phase.CONFIRM]
    block = pad.read_pin_block(PAN, tdes_key.key_slot)
    assert block.value is not None
    assert host_decrypts(Algorithm.TDES, TDES_WORKING, block.value.block) == "270419"


@pytest.mark.parametrize(
    ("keys", "error"),
    [(("111111", "enter"), "weakPin"), (("123456", "enter"), "weakPin"), (("654321", "enter"), "weakPin"),
     (("900307", "enter"), "weakPin"), (("270419", "enter", "270418", "enter"), "pinMismatch")],
)
def test_set_new_pin_refusals(pad: PinPad, emulator: PinPadEmulator, keys: tuple[str, ...], error: str) -> None:
    emulator.press(*keys)
    result = pad.set_new_pin(birth_date="19900307")
    assert (result.completion, result.error_code) == (Completion.USER_ERROR, error)
    assert pad.read_pin_block(PAN, 10).error_code == "noPin"


def test_bad_entry_limits_are_refused(pad: PinPad) -> None:
    assert pad.enter_pin(min_len=3, max_len=6).error_code == "badData"
    assert pad.set_new_pin(birth_date="19901399").error_code == "badData"


def test_trace_hook_sees_frames_without_secrets(emulator: PinPadEmulator, tdes_key: WorkingKey) -> None:
    seen: list[str] = []
    with PinPad(emulator.path, trace=lambda d, f: seen.append(f"{d} {f!r}")) as pad:
        emulator.press("270419", "enter", "270419", "enter")
        assert pad.set_new_pin(birth_date="19900307").ok
    assert seen[0].startswith("tx Frame(cmd=0x30")
    assert not any("19900307" in line for line in seen)


def test_missing_port_is_a_link_error() -> None:
    pad = PinPad("/dev/does-not-exist")
    with pytest.raises(LinkError):
        pad.open()
    assert pad.status().device is DeviceState.NO_DEVICE


def test_silent_line_times_out() -> None:
    with PtyLink() as link, PinPad(link.path, command_timeout=0.2) as pad:
        assert pad.status().device is DeviceState.OFFLINE
        with pytest.raises(DeviceTimeout):
            pad.enter_pin()


def test_corrupted_reply_raises_with_raw_bytes() -> None:
    with PtyLink() as link, PinPad(link.path, command_timeout=2) as pad:
        bad = bytearray(encode_frame(0x10, b"\x00\x00\x00"))
        bad[-1] ^= 0xFF
        link.write(bytes(bad))
        with pytest.raises(ChecksumError) as info:
            pad.load_working_key(WorkingKey(1, 10, Algorithm.TDES, bytes(16), b"\0\0\0"))
        assert info.value.raw == bytes(bad)


def test_pad_that_goes_silent_during_entry_times_out() -> None:
    with PtyLink() as link, PinPad(link.path, entry_grace_s=0.1) as pad:
        link.write(encode_frame(0x30, b"\x00"))  # "entry started", then nothing ever again
        with pytest.raises(DeviceTimeout) as info:
            pad.enter_pin(timeout_s=1)
        assert info.value.code == "entrySilent"
        written = b""
        while encode_frame(0x31) not in written and (chunk := link.read(timeout=2)):
            written += chunk
        assert encode_frame(0x31) in written  # the driver tried to cancel on its way out


def test_live_entry_from_a_worker_thread(pad: PinPad, emulator: PinPadEmulator, tdes_key: WorkingKey) -> None:
    """The kiosk runs entry in a worker; the customer types while it waits (no scripted queue)."""
    assert pad.load_working_key(tdes_key).ok
    started, results = threading.Event(), []

    def on_event(event: PadEvent) -> None:
        if event == PhaseEvent(Phase.FIRST):
            started.set()

    worker = threading.Thread(target=lambda: results.append(pad.set_new_pin(on_event=on_event)))
    worker.start()
    assert started.wait(10)
    emulator.press("270419", "enter", "270419", "enter")
    worker.join(10)
    assert results and results[0].ok
