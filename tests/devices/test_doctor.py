"""`kiosk doctor` end to end: emulated devices on real ptys and pcscd, the reference central service, a real DB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from devices_support import VPCD_WAIT, MakeConfig, write_config

import kiosk_app.devices as devices_module
from central_service.admin import CentralAdmin
from drivers.printer import PaperState
from kiosk_app.cli import cli
from kiosk_app.devices import open_devices
from kiosk_app.devices_checks import device_checks
from sync_agent.sealing import create_key_file


@pytest.fixture(autouse=True)
def _patient_vpcd(monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor's own wait for a vpcd slot, stretched for machines where other test runs hold both."""
    monkeypatch.setattr(devices_module, "VPCD_WAIT_S", VPCD_WAIT)


def _kiosk(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def _lines(out: str) -> dict[str, str]:
    """{check name: its line} from the doctor's output."""
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    return {row[1]: " ".join(row) for row in rows}


def _provisioned(tmp_path: Path, admin: CentralAdmin) -> None:
    _, token = admin.add_kiosk("BR001")
    (tmp_path / "secrets").mkdir(exist_ok=True)
    (tmp_path / "secrets" / "token").write_text(token + "\n", encoding="utf-8")
    create_key_file(tmp_path / "kiosk.sqlite.key")  # what `kiosk provision` makes beside the database


def test_everything_good_exits_0(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, admin = central_service
    _provisioned(tmp_path, admin)
    config = str(write_config(tmp_path, url))
    assert _kiosk("--config", config, "db", "migrate")[0] == 0
    code, out = _kiosk("--config", config, "doctor")
    assert code == 0, out
    lines = _lines(out)
    for name in ("config", "idcard", "scanner", "dispenser", "chip", "pinpad", "printer", "camera", "database",
                 "data-key", "pcscd", "cjk-font", "central"):
        assert lines[name].startswith("OK"), lines[name]
    assert "sam_id=05.01-" in lines["idcard"]
    assert "stock=ok" in lines["dispenser"] and "bin=ok" in lines["dispenser"]
    assert "reader_present=yes" in lines["chip"] and "tamper=ok" in lines["pinpad"] and "paper=full" in lines["printer"]
    assert "reachable" in lines["central"] and out.rstrip().endswith("all good")


def test_each_problem_is_a_failing_line_and_exit_1(tmp_path: Path, central_service: tuple[str, CentralAdmin]) -> None:
    url, _ = central_service  # not provisioned: no token file
    printer = {"driver": "serial", "port": str(tmp_path / "no-such-printer")}
    code, out = _kiosk("--config", str(write_config(tmp_path, url, printer=printer)), "doctor")
    assert code == 1
    lines = _lines(out)
    assert lines["printer"].startswith("FAIL") and "LinkError" in lines["printer"]
    assert lines["database"].startswith("FAIL") and "missing" in lines["database"]
    assert lines["central"].startswith("FAIL") and "unauthorized" in lines["central"]
    assert all(lines[n].startswith("OK") for n in ("idcard", "scanner", "dispenser", "chip", "pinpad"))
    assert lines["data-key"].startswith("FAIL") and "missing" in lines["data-key"]
    assert out.rstrip().endswith("problems with printer, database, data-key, central")


def test_unreachable_central_and_json(tmp_path: Path) -> None:
    off = {"driver": "disabled"}
    config = write_config(tmp_path, "http://127.0.0.1:9", idcard=off, scanner=off, dispenser=off, pinpad=off,
                          printer=off,
                          chip={"reader": "Virtual PCD 00 00"})
    code, out = _kiosk("--config", str(config), "doctor", "--json")
    report = json.loads(out)
    checks = {c["name"]: c for c in report["checks"]}
    assert code == 1 and report["ok"] is False
    assert checks["central"]["state"] == "unreachable" and checks["printer"] == {
        "name": "printer", "ok": True, "state": "disabled", "driver": "disabled", "where": "", "details": {}}


def test_invalid_config_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[kiosk]\nbranch_id = 'BR001'\n", encoding="utf-8")
    code, out = _kiosk("--config", str(bad), "doctor")
    assert code == 1 and _lines(out)["config"].startswith("FAIL")


def test_dev_doctor_checks_the_emulators(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the dev config's database is relative to the working directory
    code, out = _kiosk("--dev", "doctor")
    lines = _lines(out)
    assert code in (0, 1)  # whether something serves the dev central URL depends on the machine
    assert all(lines[n].startswith("OK") and "emulator" in lines[n]
               for n in ("idcard", "scanner", "dispenser", "pinpad", "printer"))
    assert "emulated IC station" in lines["chip"]
    assert lines["database"].startswith("FAIL")  # never created by the doctor
    assert not (tmp_path / "var" / "kiosk.sqlite").exists()


def test_device_trouble_fails_its_line(make_config: MakeConfig) -> None:
    with open_devices(make_config(), stock=0, vpcd_wait=VPCD_WAIT) as devices:
        assert devices.sims.pinpad and devices.sims.printer
        devices.sims.pinpad.set_tamper()
        devices.sims.printer.set_paper(PaperState.OUT)
        checks = {c.name: c for c in device_checks(make_config(), devices)}
    assert not checks["pinpad"].ok and checks["pinpad"].details["tamper"] == "detected"
    assert not checks["printer"].ok and checks["printer"].details["paper"] == "out"
    assert not checks["dispenser"].ok and checks["dispenser"].details["stock"] == "empty"
    assert checks["idcard"].ok and checks["chip"].ok
