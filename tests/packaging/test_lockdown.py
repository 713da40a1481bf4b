"""Production lockdown: the files deploy/lockdown/install.sh puts on a kiosk say what they must, and the app's
logs (Kivy's included) are INFO JSON lines by default, DEBUG only when the config asks, nothing on a terminal."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from packaging_support import ROOT

from kiosk_app.config.model import Logging

LOCKDOWN = ROOT / "deploy" / "lockdown"


@pytest.fixture(scope="module")
def image_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="lockdown-root-"))
    subprocess.run(["sh", str(LOCKDOWN / "install.sh"), str(root)], check=True, timeout=30)
    yield root
    shutil.rmtree(root)


def test_no_spare_consoles_and_no_power_keys(image_root: Path) -> None:
    logind = configparser.ConfigParser()
    logind.optionxform = str
    logind.read(image_root / "etc/systemd/logind.conf.d/50-kiosk.conf")
    login = logind["Login"]
    assert login["NAutoVTs"] == "0" and login["ReserveVT"] == "0"
    for key in ("HandlePowerKey", "HandleRebootKey", "HandleSuspendKey", "HandleHibernateKey", "HandleLidSwitch"):
        assert login[key] == "ignore", key
    for unit in ["ctrl-alt-del.target", "autovt@.service", *(f"getty@tty{n}.service" for n in range(1, 7))]:
        assert os.readlink(image_root / "etc/systemd/system" / unit) == "/dev/null", unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_reads_the_logind_drop_in(image_root: Path) -> None:
    out = subprocess.run(["systemd-analyze", f"--root={image_root}", "cat-config", "systemd/logind.conf"],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    assert "50-kiosk.conf" in out and "NAutoVTs=0" in out


def test_usb_storage_is_never_mounted(image_root: Path) -> None:
    modprobe = (image_root / "etc/modprobe.d/kiosk-no-usb-storage.conf").read_text().splitlines()
    for module in ("usb_storage", "uas"):
        assert f"install {module} /bin/false" in modprobe and f"blacklist {module}" in modprobe
    rule = (image_root / "etc/udev/rules.d/90-kiosk-no-automount.rules").read_text()
    assert 'ENV{ID_BUS}=="usb"' in rule and 'ENV{UDISKS_IGNORE}="1"' in rule
    assert "kernel.sysrq = 0" in (image_root / "etc/sysctl.d/90-kiosk.conf").read_text()
    xorg = (image_root / "etc/X11/xorg.conf.d/10-kiosk-lockdown.conf").read_text()
    assert '"DontVTSwitch" "true"' in xorg and '"DontZap" "true"' in xorg


KIVY_START = """
import sys
from pathlib import Path
from kiosk_app.logs import configure_logging
configure_logging("file", level=sys.argv[2], log_dir=Path(sys.argv[1]), process="app")
from kivy.core.window import Window  # what `kiosk app` imports after configuring its logs
"""


def _start_kivy(tmp_path: Path, level: str) -> tuple[str, list[dict]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY_")}
    env |= {"KIVY_HOME": str(tmp_path / f"kivy-{level}"), "KIVY_NO_ARGS": "1", "SDL_VIDEODRIVER": "offscreen",
            "PYTHONPATH": str(ROOT)}
    logs = tmp_path / level
    out = subprocess.run([sys.executable, "-c", KIVY_START, str(logs), level], capture_output=True, text=True,
                         env=env, timeout=60, check=True)
    lines = [json.loads(line) for line in (logs / "app.log").read_text(encoding="utf-8").splitlines()]
    return out.stdout + out.stderr, lines


def test_logs_are_info_by_default_and_kivy_speaks_through_them(tmp_path: Path) -> None:
    assert Logging().level == "INFO"
    terminal, lines = _start_kivy(tmp_path, "INFO")
    assert terminal == ""  # Kivy's console logger would print every line here
    kivy = [line for line in lines if line["logger"] == "kivy"]
    assert kivy and {line["level"] for line in lines} <= {"INFO", "WARNING", "ERROR"}
    _, debug_lines = _start_kivy(tmp_path, "DEBUG")
    assert any(line["level"] == "DEBUG" and line["logger"] == "kivy" for line in debug_lines)
