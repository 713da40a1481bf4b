"""A production config imports nothing of `drivers.sim`; the chip reader has no default name; `kiosk doctor`
lists the readers pcscd offers (where branch IT copies the IC station's name from)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from production_support import EXAMPLE, ROOT

from drivers.sim.pcscd import VPCD_SLOTS, ensure_pcscd
from kiosk_app.config import KioskConfig
from kiosk_app.devices_checks import pcscd_check

WIRING = """
import json, sys
from kiosk_app.cli import cli
from kiosk_app.config import load_config
from kiosk_app.devices import open_devices
from kiosk_app.devices_checks import device_checks, system_checks
import kiosk_app.runtime, kiosk_app.cli.app_cmd, kiosk_app.cli.pinpad_cmd, kiosk_app.flow.manager
cfg = load_config(sys.argv[1])
with open_devices(cfg) as devices:
    checks = device_checks(cfg, devices)
system_checks(cfg)
print(json.dumps({"errors": sorted(devices.errors),
                  "sim": sorted(m for m in sys.modules if m.startswith("drivers.sim") or m.endswith("devices_sim"))}))
"""


def test_the_production_wiring_never_imports_the_emulators() -> None:
    out = subprocess.run([sys.executable, "-c", WIRING, str(EXAMPLE)], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["sim"] == []
    assert set(report["errors"]) >= {"idcard", "dispenser", "pinpad", "printer"}  # /dev/serial/by-id/... absent here


def test_the_chip_reader_must_be_named_unless_the_dispenser_is_emulated() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    del data["devices"]["chip"]["reader"]
    with pytest.raises(ValueError, match=r"devices\.chip\.reader is required"):
        KioskConfig.model_validate(data)
    data["devices"]["dispenser"] = {"driver": "emulator"}
    assert KioskConfig.model_validate(data).devices.chip.reader is None


def test_a_serial_pin_pad_needs_its_key_named() -> None:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    del data["devices"]["pinpad"]["key_id"]
    with pytest.raises(ValueError, match="key_id is required"):
        KioskConfig.model_validate(data)


def test_doctor_lists_the_readers_pcscd_offers() -> None:
    ensure_pcscd()
    check = pcscd_check()
    assert check.ok, check
    for slot in VPCD_SLOTS:
        assert repr(slot.reader) in check.details["readers"]
