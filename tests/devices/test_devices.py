"""open_devices against the real emulators: ptys, pcscd + vpcd, the pad's key load; failures stay per device."""

from __future__ import annotations

from typing import Any

import pytest
from devices_support import VPCD_WAIT, MakeConfig
from hypothesis import given
from hypothesis import strategies as st

import kiosk_app.devices as devices_module
from drivers.cardnumbers import luhn_check_digit, luhn_valid
from drivers.dispenser import Target
from drivers.idcard import IdCardReader
from drivers.pinpad import WorkingKey
from drivers.printer import Receipt, TextLine
from drivers.sim.idcard_emulator import EmulatedCard
from drivers.status import DeviceState
from kiosk_app.devices import DEVICE_NAMES, Devices, open_devices
from kiosk_app.devices_sim import KeyCeremony, unionpay_pans

VIRTUAL_READER = {"reader": "Virtual PCD 00 00"}  # a chip reader must be named unless the dispenser is emulated


def test_emulated_kiosk_opens_every_device(make_config: MakeConfig) -> None:
    with open_devices(make_config(), stock=5, vpcd_wait=VPCD_WAIT) as devices:
        assert devices.errors == {}
        for name in DEVICE_NAMES:
            assert getattr(devices, name) is not None, name
            assert name in devices.endpoints
        assert set(devices.sims.running()) == {"idcard", "scanner", "dispenser", "ic_station", "pinpad", "printer"}
        assert devices.sims.vpcd is not None and devices.chip is not None
        assert devices.chip.reader == devices.sims.vpcd.reader
        key = devices.pinpad_key
        assert key is not None and key.key_id.startswith("K01-sm4-") and key.key_slot == 10
        assert devices.pinpad is not None
        pad = devices.pinpad.status()
        assert pad.device is DeviceState.ONLINE and "10" in pad.details["keys"].split(",")


def test_customer_plays_every_emulator(make_config: MakeConfig) -> None:
    with open_devices(make_config(), stock=3, vpcd_wait=VPCD_WAIT) as d:
        assert d.idcard and d.scanner and d.dispenser and d.chip and d.pinpad and d.printer and d.pinpad_key
        sims = d.sims
        assert sims.idcard and sims.scanner and sims.dispenser and sims.pinpad and sims.printer
        sims.idcard.place_card(EmulatedCard.build())
        assert d.idcard.read_card().ok
        sims.scanner.show("KQR1TOKEN")
        scan = d.scanner.next_scan(5.0)
        assert scan.ok and scan.value is not None and scan.value.data == "KQR1TOKEN"
        assert d.dispenser.initialise().ok
        assert d.dispenser.dispense(Target.IC).ok
        chip = d.chip.read_card(card_timeout=5.0)
        assert chip.ok and chip.value is not None
        pan = chip.value.pan
        assert pan in unionpay_pans(3)
        sims.pinpad.press("270419", "enter", "270419", "enter")
        assert d.pinpad.set_new_pin(birth_date="19900307").ok
        block = d.pinpad.read_pin_block(pan, d.pinpad_key.key_slot)
        assert block.ok and block.value is not None and len(block.value.block) == 16  # SM4
        assert d.dispenser.move(Target.GATE).ok
        assert sims.dispenser.take_card() == pan
        assert d.printer.print_receipt(Receipt((TextLine("欢迎"),))).ok
        assert sims.printer.wait_for_cuts(1)


def test_close_closes_drivers_and_emulators(make_config: MakeConfig) -> None:
    devices = open_devices(make_config(), stock=1, vpcd_wait=VPCD_WAIT)
    assert devices.sims.idcard is not None
    old_port = devices.sims.idcard.path
    devices.close()
    assert all(getattr(devices, name) is None for name in DEVICE_NAMES)
    assert list(devices.sims.running()) == [] and devices.sims.vpcd is None
    with IdCardReader(old_port, command_timeout=0.2) as stale:
        assert stale.check().status.device is not DeviceState.ONLINE
    devices.close()  # idempotent


def test_a_failed_device_does_not_stop_the_others(make_config: MakeConfig) -> None:
    missing = {"driver": "serial", "port": "/dev/does-not-exist-kiosk"}
    off = {"driver": "disabled"}
    with open_devices(make_config(idcard=missing, printer=missing, pinpad=off, dispenser=off,
                                  chip=VIRTUAL_READER)) as devices:
        assert set(devices.errors) == {"idcard", "printer"}
        assert "LinkError" in devices.errors["idcard"]
        assert devices.idcard is None and devices.printer is None and devices.pinpad is None
        assert devices.scanner is not None and devices.chip is not None
        assert devices.endpoints["idcard"] == "/dev/does-not-exist-kiosk"


def test_disabled_devices_start_nothing(make_config: MakeConfig) -> None:
    off = {"driver": "disabled"}
    with open_devices(make_config(scanner=off, pinpad=off, dispenser=off, idcard=off, printer=off,
                                  chip=VIRTUAL_READER)) as devices:
        assert devices.errors == {}
        assert list(devices.sims.running()) == []
        assert devices.sims.vpcd is None
        assert devices.chip is not None and devices.chip.reader == "Virtual PCD 00 00"  # as configured


def test_a_missing_scanner_is_recorded_but_keeps_retrying(make_config: MakeConfig) -> None:
    scanner = {"driver": "serial", "port": "/dev/does-not-exist-scanner", "timeout_s": 0.2}
    off = {"driver": "disabled"}
    with open_devices(make_config(scanner=scanner, dispenser=off, idcard=off, pinpad=off, printer=off,
                                  chip=VIRTUAL_READER)) as devices:
        assert "scanner" in devices.errors and devices.scanner is not None
        assert devices.scanner.status().device is DeviceState.OFFLINE


def test_a_working_key_the_pad_refuses_is_an_error(make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    genuine = KeyCeremony.working_key

    def wrong_kcv(self: KeyCeremony, *args: Any) -> Any:
        wrapped, key = genuine(self, *args)
        return WorkingKey(wrapped.master_slot, wrapped.key_slot, wrapped.algorithm, wrapped.wrapped_key,
                          bytes(len(wrapped.kcv))), key

    monkeypatch.setattr(KeyCeremony, "working_key", wrong_kcv)
    off = {"driver": "disabled"}
    with open_devices(make_config(dispenser=off, idcard=off, scanner=off, printer=off, chip=VIRTUAL_READER)) as devices:
        assert devices.pinpad is not None and devices.pinpad_key is None
        assert "keyCheckValueMismatch" in devices.errors["pinpad"]


def test_an_unexpected_error_closes_what_was_opened(make_config: MakeConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Devices] = []

    def broken(devices: Devices, cfg: object) -> None:
        seen.append(devices)
        raise RuntimeError("a bug")

    monkeypatch.setattr(devices_module, "_open_printer", broken)
    with pytest.raises(RuntimeError):
        open_devices(make_config(dispenser={"driver": "disabled"}, chip=VIRTUAL_READER))
    assert seen and seen[0].idcard is None and list(seen[0].sims.running()) == []


def test_luhn_known_values() -> None:
    assert luhn_check_digit("7992739871") == "3"
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    with pytest.raises(ValueError):
        luhn_check_digit("12a")


@given(st.integers(1, 500), st.integers(1, 10**6), st.sampled_from([16, 19]))
def test_stock_pans_are_distinct_valid_unionpay(count: int, first: int, length: int) -> None:
    pans = unionpay_pans(count, first=first, length=length)
    assert len(set(pans)) == count
    assert all(p.startswith("62") and len(p) == length and luhn_valid(p) for p in pans)


@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.integers(0, 9))
def test_luhn_catches_every_single_digit_change(body: str, delta: int) -> None:
    pan = body + luhn_check_digit(body)
    changed = pan[:-2] + str((int(pan[-2]) + delta) % 10) + pan[-1]
    assert luhn_valid(changed) == (delta == 0)


def test_pans_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ValueError):
        unionpay_pans(10, first=10**9 - 5, length=16)
