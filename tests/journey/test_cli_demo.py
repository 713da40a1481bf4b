"""`kiosk demo --script` plays a journey and prints its journal; `kiosk staff set-pin` writes a hashed PIN."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kiosk_app.cli import cli
from kiosk_app.config import dev_config_path
from kiosk_app.flow.staff import StaffAuthenticator

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"


def test_demo_plays_a_script_and_prints_the_journal(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--headless", "--script", str(JOURNEYS / "blocklisted.toml"),
                                      "--workdir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "blocklisted: ok — outcome refused:blocklisted" in result.output
    assert "session_ended" in result.output and "1 passed, 0 failed" in result.output
    assert "phone pages: `central serve --print-sms`, then open http://127.0.0.1:8765/phone/" in result.output


def test_demo_rejects_a_bad_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\noutcome = "completed"\nsteps = [{ do = "dance" }]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["demo", "--headless", "--script", str(bad), "--workdir", str(tmp_path)])
    assert result.exit_code == 1
    assert "invalid script" in result.output and "steps.0" in result.output


def test_staff_set_pin_writes_a_hash_that_authenticates(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(dev_config_path().read_text(encoding="utf-8").replace(
        'log_dir = "var/log"', 'log_dir = "var/log"\nstaff_file = "staff.json"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "staff", "set-pin", "M007"],
                                input="135790\n135790\n")
    assert result.exit_code == 0, result.output
    stored = json.loads((tmp_path / "staff.json").read_text(encoding="utf-8"))
    assert "135790" not in json.dumps(stored)
    assert StaffAuthenticator(stored).authenticate("M007", "135790")
    assert (tmp_path / "staff.json").stat().st_mode & 0o777 == 0o600
