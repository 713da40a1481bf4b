"""The PIN counter on screen is fed by the real pad's key events over a pty: counts per entry, never digits."""

from __future__ import annotations

from drivers.pinpad import PinPad
from drivers.sim.pinpad_emulator import PinPadEmulator
from kiosk_app.flow.adapters.issuer import PinKeyCounter


def test_counts_follow_key_presses_and_reset_on_clear_and_the_second_entry(pad: PinPad,
                                                                          emulator: PinPadEmulator) -> None:
    seen: list[tuple[str, int, dict]] = []
    emulator.press("27", "clear", "270419", "enter", "270419", "enter")
    result = pad.set_new_pin(birth_date="19900307",
                             on_event=PinKeyCounter(lambda step, timeout, data: seen.append((step, timeout, data)), 30))
    assert result.ok
    counts = [(step, data["digits"], data["entry"]) for step, _, data in seen]
    assert counts[:4] == [("pin_first", 0, 1), ("pin_first", 1, 1), ("pin_first", 2, 1), ("pin_first", 0, 1)]
    assert counts[4:10] == [("pin_first", n, 1) for n in range(1, 7)]
    assert counts[10:] == [("pin_confirm", n, 2) for n in range(0, 7)]
    assert all(timeout == 30 and set(data) == {"digits", "length", "entry"} for _, timeout, data in seen)
    assert "270419" not in repr(seen)
