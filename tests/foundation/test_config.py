"""The config file: strict validation with one line per problem, naming key, value and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.config import ConfigError, dev_config_path, load_config
from kiosk_app.config.loader import parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "kiosk.example.toml"


def dev_text() -> str:
    return dev_config_path().read_text(encoding="utf-8")


def test_dev_config_selects_emulators_and_loopback_central() -> None:
    cfg = load_config(dev=True)
    assert cfg.devices.idcard.driver == "emulator"
    assert cfg.devices.dispenser.driver == "emulator"
    assert cfg.central.url.host == "127.0.0.1"
    assert cfg.paths.database.is_absolute()


def test_annotated_example_is_valid() -> None:
    cfg = load_config(EXAMPLE)
    assert cfg.devices.idcard.driver == "serial"
    assert cfg.central.client_cert is not None


def test_misspelt_key_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "k.toml"
    bad.write_text(dev_text().replace("kiosk_id", "kiosk_idd"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert any(p.startswith("kiosk.kiosk_idd: unknown key") for p in info.value.problems)
    assert any(p.startswith("kiosk.kiosk_id: missing") for p in info.value.problems)


def test_wrong_type_names_key_value_and_expectation() -> None:
    text = dev_text().replace(
        '[devices.idcard]\ndriver = "emulator"', '[devices.idcard]\ndriver = "emulator"\nbaudrate = "fast"'
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    (line,) = info.value.problems
    assert line.startswith("devices.idcard.baudrate: 'fast' is not valid")
    assert "115200" in line


def test_every_problem_reported_at_once() -> None:
    text = dev_text().replace('branch_id = "BR001"', 'branch_id = ""').replace(
        'url = "http://127.0.0.1:8765"', 'url = "not a url"'
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    keys = sorted(p.split(":")[0] for p in info.value.problems)
    assert keys == ["central.url", "kiosk.branch_id"]


def test_serial_driver_needs_a_port() -> None:
    text = dev_text().replace('[devices.printer]\ndriver = "emulator"', '[devices.printer]\ndriver = "serial"')
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.problems == [
        "devices.printer: {'driver': 'serial'} is not valid: port is required when driver = 'serial'"
    ]


def test_broken_toml_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("[kiosk\nbranch_id=1")
    assert info.value.problems[0].startswith("not valid TOML")


def test_wcag_floor_cannot_be_configured_away() -> None:
    text = dev_text() + "\n[journey]\nstill_there_s = 5\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert info.value.problems[0].startswith("journey.still_there_s: 5 is not valid")


def test_env_var_selects_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k.toml"
    path.write_text(dev_text().replace("K01", "K77"), encoding="utf-8")
    monkeypatch.setenv("KIOSK_CONFIG", str(path))
    assert load_config().kiosk.kiosk_id == "K77"


def test_relative_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "k.toml"
    path.write_text(dev_text(), encoding="utf-8")
    assert load_config(path).paths.database == tmp_path / "var" / "kiosk.sqlite"
