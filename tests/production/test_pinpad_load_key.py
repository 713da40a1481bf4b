"""`kiosk pinpad load-key`: a working key from the bank's key host goes into a serial pad (the emulator on a pty,
in this process), KCV-checked by pad and driver; a wrong key, a wrong name and a bad file are refused."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from production_support import EXAMPLE_KEY_ID, example_config, kiosk, serial_rig

from drivers.pinpad import PinPad
from kiosk_app.config import load_config
from kiosk_app.devices import open_devices
from kiosk_app.pinpad_key import KeyDelivery, KeyDeliveryError, parse_delivery


def _write(tmp_path: Path, delivery: KeyDelivery, name: str = "key.json") -> Path:
    path = tmp_path / name
    path.write_text(delivery.model_dump_json(), encoding="utf-8")
    return path


def test_load_key_then_the_pad_reports_it_and_devices_find_it(tmp_path: Path) -> None:
    with serial_rig(ic_station=False) as sims:
        config = example_config(tmp_path, sims)
        assert kiosk("--config", str(config), "pinpad", "status").returncode == 1  # nothing loaded yet
        delivery, _ = sims.key_ceremony.delivery(EXAMPLE_KEY_ID)
        done = kiosk("--config", str(config), "pinpad", "load-key", str(_write(tmp_path, delivery)))
        assert done.returncode == 0, done.stderr
        assert f"working key {EXAMPLE_KEY_ID} (SM4) loaded in slot 10" in done.stdout
        assert delivery.kcv.upper() in done.stdout
        status = kiosk("--config", str(config), "pinpad", "status")
        assert status.returncode == 0 and "holds working key BR001-K01-WK01 in slot 10" in status.stdout
        cfg = load_config(config)
        with PinPad(str(sims.pinpad.path)) as pad:
            assert "10" in pad.status().details["keys"].split(",")
        with open_devices(cfg.model_copy(update={"devices": cfg.devices.model_copy(update={
                "idcard": cfg.devices.idcard.model_copy(update={"driver": "disabled"}),
                "scanner": cfg.devices.scanner.model_copy(update={"driver": "disabled"}),
                "dispenser": cfg.devices.dispenser.model_copy(update={"driver": "disabled"}),
                "printer": cfg.devices.printer.model_copy(update={"driver": "disabled"})})})) as devices:
            assert "pinpad" not in devices.errors
            assert devices.pinpad_key is not None and devices.pinpad_key.key_id == EXAMPLE_KEY_ID
            sims.pinpad.set_tamper()  # erases every key, as a real pad does
            assert devices.pinpad is not None
        tampered = kiosk("--config", str(config), "pinpad", "status")
        assert tampered.returncode == 1 and "tamper" in tampered.stderr


def test_wrong_kcv_wrong_name_and_bad_files_are_refused(tmp_path: Path) -> None:
    with serial_rig(ic_station=False) as sims:
        config = example_config(tmp_path, sims)
        good, _ = sims.key_ceremony.delivery(EXAMPLE_KEY_ID)
        wrong_kcv = good.model_copy(update={"kcv": "00000000"})
        out = kiosk("--config", str(config), "pinpad", "load-key", str(_write(tmp_path, wrong_kcv)))
        assert out.returncode == 1 and "keyCheckValueMismatch" in out.stderr
        other = good.model_copy(update={"key_id": "BR001-K02-WK01"})
        out = kiosk("--config", str(config), "pinpad", "load-key", str(_write(tmp_path, other)))
        assert out.returncode == 1 and "the config names 'BR001-K01-WK01'" in out.stderr
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**good.model_dump(), "kcv": "123"}), encoding="utf-8")
        out = kiosk("--config", str(config), "pinpad", "load-key", str(bad))
        assert out.returncode == 1 and "kcv" in out.stderr
        with PinPad(str(sims.pinpad.path)) as pad:
            assert "10" not in pad.status().details["keys"].split(",")  # nothing half-loaded


@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode),
                 st.dictionaries(st.sampled_from(["format", "key_id", "algorithm", "master_slot", "wrapped_key",
                                                  "kcv", "extra"]),
                                 st.one_of(st.text(max_size=40), st.integers(-5, 300), st.none()))
                 .map(lambda d: json.dumps(d).encode())))
def test_any_bytes_are_a_delivery_or_a_delivery_error(data: bytes) -> None:
    try:
        delivery = parse_delivery(data)
    except KeyDeliveryError:
        return
    assert delivery.working_key(10).key_slot == 10
