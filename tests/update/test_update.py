"""`kiosk update`: a signed bundle is installed and kept when the app comes up healthy; a tampered one is refused
before anything is unpacked; one that crashes at start is rolled back and the heartbeat says so.

Bundles are small tar archives made here, each with a `start.py` that plays the release's app: a good one
marks itself healthy through the production `mark_healthy`, a broken one crashes. The restart command runs
`current/start.py`, so it always starts whatever `current` points at, as systemd would."""

from __future__ import annotations

import base64
import io
import json
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central_api_client import CentralClient
from central_api_client.models import Heartbeat
from central_service.testing import running_service, sqlite_settings
from kiosk_app.cli.sync_cmd import heartbeat_report
from kiosk_app.config import load_config
from kiosk_app.config.loader import dev_config_path
from kiosk_app.update.bundle import BadBundle, SignatureRefused, load_release_key, verify
from kiosk_app.update.install import InstallSettings, current_version, install
from kiosk_app.update.status import read_status
from sync_agent.clock import ServerClock
from sync_agent.heartbeat import build
from sync_agent.localdb import open_db

ROOT = Path(__file__).resolve().parents[2]
GOOD = """
import json, pathlib, sys
sys.path.insert(0, {root!r})
from kiosk_app.update.health import mark_healthy
version = json.loads((pathlib.Path(__file__).parent / "release.json").read_text())["version"]
mark_healthy(pathlib.Path(sys.argv[1]), version)
"""
CRASHING = "raise SystemExit('release {version}: cannot start (a missing library)')\n"


def _bundle(path: Path, version: str, start: str, extra: dict[str, bytes] | None = None) -> Path:
    files = {"release.json": json.dumps({"version": version}).encode(),
             "start.py": start.format(root=str(ROOT), version=version).encode(), **(extra or {})}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return path


class Bank:
    """The bank's release signing: a key pair; the kiosk has only the public half."""

    def __init__(self, tmp_path: Path) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.key = Ed25519PrivateKey.generate()
        self.public = tmp_path / "release-key.pem"
        self.public.write_bytes(self.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))

    def sign(self, bundle: Path) -> Path:
        sig = Path(f"{bundle}.sig")
        sig.write_text(base64.b64encode(self.key.sign(bundle.read_bytes())).decode() + "\n")
        return sig


@pytest.fixture
def bank(tmp_path: Path) -> Bank:
    return Bank(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> InstallSettings:
    root = tmp_path / "opt"
    root.mkdir()
    health = tmp_path / "run" / "app-health.json"
    return InstallSettings(root, (sys.executable, str(root / "current" / "start.py"), str(health)), health,
                           health_timeout_s=3.0)


def _signed(bank: Bank, tmp_path: Path, version: str, start: str = GOOD, **extra: bytes) -> Path:
    bundle = _bundle(tmp_path / f"kiosk-{version}.tar.gz", version, start, extra)
    bank.sign(bundle)
    return bundle


def _install(bank: Bank, bundle: Path, settings: InstallSettings):
    return install(verify(bundle, Path(f"{bundle}.sig"), load_release_key(bank.public)), settings)


def test_a_good_bundle_is_installed_and_kept(bank: Bank, settings: InstallSettings, tmp_path: Path) -> None:
    first = _install(bank, _signed(bank, tmp_path, "1.0.0"), settings)
    assert (first.outcome, first.previous) == ("installed", None)
    second = _install(bank, _signed(bank, tmp_path, "1.1.0"), settings)
    assert (second.outcome, second.previous) == ("installed", "1.0.0")
    assert current_version(settings) == "1.1.0"
    assert (settings.root / "current").resolve() == (settings.releases / "1.1.0").resolve()
    assert read_status(settings.status_file) == second


def test_a_tampered_bundle_is_refused_before_unpacking(bank: Bank, settings: InstallSettings, tmp_path: Path) -> None:
    _install(bank, _signed(bank, tmp_path, "1.0.0"), settings)
    bundle = _signed(bank, tmp_path, "1.1.0")
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    bundle.write_bytes(bytes(data))
    with pytest.raises(SignatureRefused, match="does not match"):
        verify(bundle, Path(f"{bundle}.sig"), load_release_key(bank.public))
    other = Bank(tmp_path / "other")  # signed, but not by the bank
    forged = _bundle(tmp_path / "forged.tar.gz", "1.1.0", GOOD)
    other.sign(forged)
    with pytest.raises(SignatureRefused):
        verify(forged, Path(f"{forged}.sig"), load_release_key(bank.public))
    with pytest.raises(SignatureRefused, match="missing"):
        verify(forged, tmp_path / "none.sig", load_release_key(bank.public))
    assert current_version(settings) == "1.0.0" and not (settings.releases / "1.1.0").exists()


def test_a_release_that_crashes_at_start_is_rolled_back(bank: Bank, settings: InstallSettings, tmp_path: Path) -> None:
    _install(bank, _signed(bank, tmp_path, "1.0.0"), settings)
    status = _install(bank, _signed(bank, tmp_path, "1.1.0", CRASHING), settings)
    assert (status.outcome, status.version, status.previous) == ("rolled_back", "1.1.0", "1.0.0")
    assert "previous release is running" in status.detail
    assert current_version(settings) == "1.0.0"


def test_unsafe_archives_are_refused_even_when_signed(bank: Bank, settings: InstallSettings, tmp_path: Path) -> None:
    evil = _signed(bank, tmp_path, "6.6.6", GOOD, **{"../escaped.txt": b"x"})
    with pytest.raises(BadBundle):
        _install(bank, evil, settings)
    assert not (settings.root / "escaped.txt").exists() and current_version(settings) is None
    no_version = tmp_path / "nv.tar.gz"
    with tarfile.open(no_version, "w:gz") as tar:
        info = tarfile.TarInfo("release.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    bank.sign(no_version)
    with pytest.raises(BadBundle, match="no usable version"):
        verify(no_version, Path(f"{no_version}.sig"), load_release_key(bank.public))


def test_kiosk_update_command_rolls_back_and_the_heartbeat_reports_it(bank: Bank, settings: InstallSettings,
                                                                       tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    command = ", ".join(json.dumps(part) for part in settings.restart_command)
    config.write_text(dev_config_path().read_text(encoding="utf-8").replace(
        'database = "', f'database = "{tmp_path}/', 1) + f"""
[update]
release_key = "{bank.public}"
root = "{settings.root}"
health_file = "{settings.health_file}"
health_timeout_s = 3.0
restart_command = [{command}]
""", encoding="utf-8")

    def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from kiosk_app.cli import main; main()", "--config",
                               str(config), *args], capture_output=True, text=True, timeout=60, cwd=ROOT)

    assert kiosk("update", str(_signed(bank, tmp_path, "1.0.0"))).returncode == 0
    crashed = kiosk("update", str(_signed(bank, tmp_path, "1.1.0", CRASHING)))
    assert crashed.returncode == 1 and "rolled_back" in crashed.stdout
    assert current_version(settings) == "1.0.0"
    cfg = load_config(config)
    with open_db(cfg.paths.database) as db:
        report = heartbeat_report(db, cfg)
        body = build(db, report, app_version="1.0.0", clock=ServerClock(), disk_path=str(cfg.paths.database))
    beat = Heartbeat.model_validate(body)
    assert beat.last_update is not None and beat.last_update.outcome == "rolled_back"
    assert (beat.last_update.version, beat.last_update.previous) == ("1.1.0", "1.0.0")
    (tmp_path / "central").mkdir()
    with running_service(sqlite_settings(tmp_path / "central")) as central:  # the bank sees the rollback
        _, bearer = central.admin.add_kiosk("BR001", "updated kiosk")
        with CentralClient(central.url, bearer_token=bearer) as client:
            client.heartbeat(beat)
        with sqlite3.connect(tmp_path / "central" / "central.sqlite") as db:
            (stored,) = db.execute("SELECT body FROM heartbeats").fetchone()
    assert json.loads(stored)["last_update"]["outcome"] == "rolled_back"


def test_unsafe_archives_are_refused_where_python_has_no_extraction_filter(
        bank: Bank, settings: InstallSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian 12's Python 3.11.2 predates tarfile's "data" filter: the bundle's own checks must hold there."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    evil = _signed(bank, tmp_path, "6.6.7", GOOD, **{"../escaped.txt": b"x"})
    with pytest.raises(BadBundle):
        _install(bank, evil, settings)
    assert not (settings.root / "escaped.txt").exists() and current_version(settings) is None
    good = _signed(bank, tmp_path, "1.2.3", GOOD)
    _install(bank, good, settings)
    assert current_version(settings) == "1.2.3"
