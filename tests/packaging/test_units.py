"""deploy/systemd units: what they must say, that systemd accepts them, and that they run real `kiosk` commands."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging_support import ROOT

from kiosk_app.cli import cli

UNITS = ROOT / "deploy" / "systemd"
BUNDLE_EXE = "/opt/branch-kiosk/current/kiosk"  # `kiosk update` switches the `current` link


def _settings(unit: str) -> dict[str, list[str]]:
    """{key: [values]} across sections (a key may repeat, e.g. DeviceAllow)."""
    out: dict[str, list[str]] = {}
    for line in (UNITS / unit).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            out.setdefault(key.strip(), []).append(value.strip())
    return out


@pytest.mark.parametrize("unit", ["kiosk-app.service", "kiosk-sync.service"])
def test_unit_essentials(unit: str) -> None:
    s = _settings(unit)
    assert s["Restart"] == ["on-failure"]
    assert "KIOSK_CONFIG=/etc/branch-kiosk/kiosk.toml" in " ".join(s["Environment"])
    assert s["StandardOutput"] == ["journal"] and s["User"] == ["kiosk"]
    assert "pcscd.service" in " ".join(s["After"])
    assert s["NoNewPrivileges"] == ["yes"] and s["ProtectSystem"] == ["strict"]


def test_app_unit_keeps_serial_and_gl_devices() -> None:
    s = _settings("kiosk-app.service")
    assert "PrivateDevices" not in s and s["DevicePolicy"] == ["closed"]
    assert {"char-ttyUSB rw", "char-ttyACM rw", "char-drm rw"} <= set(s["DeviceAllow"])
    assert "dialout" in s["SupplementaryGroups"][0]
    assert "AF_UNIX" in s["RestrictAddressFamilies"][0]  # the pcscd socket
    assert "MemoryDenyWriteExecute" not in s  # Mesa's JIT


@pytest.mark.parametrize("unit", ["kiosk-app.service", "kiosk-sync.service"])
def test_exec_lines_name_real_cli_commands(unit: str) -> None:
    s = _settings(unit)
    for line in s["ExecStartPre"] + s["ExecStart"]:
        exe, *args = shlex.split(line)
        assert exe == BUNDLE_EXE
        command = cli
        for word in args:
            if word not in getattr(command, "commands", {}):
                pytest.skip(f"`kiosk {' '.join(args)}` is not registered yet (its issue adds it)")
            command = command.commands[word]  # type: ignore[attr-defined]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("unit", ["kiosk-app.service", "kiosk-sync.service"])
def test_systemd_accepts_the_unit(unit: str, tmp_path: Path) -> None:
    exe = tmp_path / "kiosk"
    exe.write_text("#!/bin/sh\n", encoding="ascii")
    exe.chmod(0o755)
    copy = tmp_path / unit
    copy.write_text((UNITS / unit).read_text(encoding="utf-8").replace(BUNDLE_EXE, str(exe)), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(copy)], capture_output=True, text=True,
                            timeout=60)
    problems = [line for line in result.stderr.splitlines() if unit in line]
    assert result.returncode == 0 and not problems, result.stderr
