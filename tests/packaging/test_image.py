"""The kiosk OS image (deploy/image, mmdebstrap): built from the bundle and checked in a chroot, KIOSK_LONG=1 only
(it downloads Debian 12 from the mirror and takes minutes)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from packaging_support import ROOT

pytestmark = pytest.mark.long
BUILD = ROOT / "deploy" / "image" / "build.sh"
ENABLED = ("kiosk-app.service", "kiosk-sync.service", "pcscd.socket")


@pytest.fixture(scope="module")
def image(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("mmdebstrap") is None or os.geteuid() != 0:
        pytest.skip("building the image needs mmdebstrap and root")
    root = tmp_path_factory.mktemp("image") / "rootfs"
    build = subprocess.run(["sh", str(BUILD), str(bundle), str(root)], capture_output=True, text=True,
                           timeout=3600, cwd=ROOT)
    assert build.returncode == 0, build.stderr[-3000:]
    return root


def _in(root: Path, *command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["chroot", str(root), *command], capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"})


def test_units_enabled_and_the_session_is_cage(image: Path) -> None:
    for unit in ENABLED:
        state = subprocess.run(["systemctl", f"--root={image}", "is-enabled", unit], capture_output=True, text=True)
        assert state.stdout.strip() == "enabled", unit
    assert os.readlink(image / "etc/systemd/system/default.target").endswith("graphical.target")
    drop_in = (image / "etc/systemd/system/kiosk-app.service.d/cage.conf").read_text()
    assert "ExecStart=/usr/bin/cage -d -- /opt/branch-kiosk/current/kiosk app" in drop_in
    assert (image / "usr/bin/cage").exists() and (image / "usr/sbin/pcscd").exists()


def test_the_bundle_runs_from_the_image(image: Path) -> None:
    version = _in(image, "/opt/branch-kiosk/current/kiosk", "--version")
    assert version.returncode == 0 and version.stdout.startswith("kiosk, version"), version.stderr
    doctor = _in(image, "kiosk", "--config", "/etc/branch-kiosk/kiosk.toml", "doctor", "--json")
    report = json.loads(doctor.stdout)  # no devices in a chroot: a JSON report that says so, exit 1
    assert doctor.returncode == 1 and {c["name"] for c in report["checks"]} >= {"config", "pinpad", "pcscd"}


def test_no_password_login_no_sudo_for_the_kiosk_and_a_read_only_app(image: Path) -> None:
    shadow = dict(line.split(":")[:2] for line in (image / "etc/shadow").read_text().splitlines())
    for user in ("root", "kiosk", "it"):
        assert shadow[user].startswith("!"), user
    sudo = _in(image, "sudo", "-l", "-U", "kiosk")
    assert "not allowed" in sudo.stdout + sudo.stderr
    app = image / "opt/branch-kiosk/current"
    assert app.resolve().stat().st_uid == 0 and not app.resolve().stat().st_mode & 0o022
    sshd = (image / "etc/ssh/sshd_config.d/kiosk.conf").read_text()
    assert "PasswordAuthentication no" in sshd and "PermitRootLogin no" in sshd
    assert "ConditionPathExists=/etc/ssh/authorized_keys/it" in (
        image / "etc/systemd/system/ssh.service.d/only-with-keys.conf").read_text()
    assert os.readlink(image / "etc/systemd/system/getty@tty2.service") == "/dev/null"
