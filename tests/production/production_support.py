"""A kiosk's hardware as branch IT meets it: every device an emulator on its own pty in THIS (the test's)
process, so the process under test opens serial ports and a PC/SC reader exactly as on a real kiosk and
never needs `drivers.sim`. The config is `deploy/kiosk.example.toml` with only ports, paths and the central
service's address changed (a uniquely named module: every test folder has its own conftest).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from drivers.barcode.protocol import FramingConfig
from drivers.pinpad import Algorithm
from kiosk_app.devices_sim import (
    KeyCeremony,
    attach_ic_station,
    start_dispenser,
    start_idcard,
    start_pinpad,
    start_printer,
    start_scanner,
)
from kiosk_app.emulators import Sims

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "kiosk.example.toml"
KIOSK = [sys.executable, "-c", "from kiosk_app.cli import main; main()"]
VPCD_WAIT = 60.0  # only two vpcd slots per machine: other test runs may hold both for a while
EXAMPLE_KEY_ID = "BR001-K01-WK01"


@contextlib.contextmanager
def serial_rig(*, stock: int = 5, ic_station: bool = True) -> Iterator[Sims]:
    """Every device of the example config as an emulator on a pty; the pad holds a master key (SM4)."""
    sims = Sims()
    try:
        sims.idcard = start_idcard(115200)
        sims.scanner = start_scanner("honeywell", FramingConfig(terminator=b"\r", max_length=512))
        sims.dispenser = start_dispenser(stock)
        ceremony = KeyCeremony.generate(Algorithm.SM4, 1)
        sims.key_ceremony = ceremony
        sims.pinpad = start_pinpad(ceremony)
        sims.printer = start_printer()
        if ic_station:
            attach_ic_station(sims, lease_timeout=VPCD_WAIT)
        yield sims
    finally:
        sims.close()


def _set(text: str, section: str, key: str, value: str | None) -> str:
    """`key = ...` inside `[section]` replaced by `key = value` (a TOML literal), or removed when value is None."""
    head = re.search(rf"^\[{re.escape(section)}\].*$", text, re.M)
    assert head, section
    end = re.search(r"^\[", text[head.end():], re.M)
    stop = head.end() + (end.start() if end else len(text) - head.end())
    body = text[head.end():stop]
    line = re.compile(rf"^{re.escape(key)}\s*=.*$", re.M)
    new = "" if value is None else f"{key} = {value}"
    body = line.sub(new, body) if line.search(body) else body.rstrip("\n") + f"\n{new}\n\n"
    return text[:head.end()] + body + text[stop:]


def example_config(tmp_path: Path, sims: Sims, *, central_url: str = "http://127.0.0.1:9",
                   token_file: Path | None = None, branch_id: str = "BR001") -> Path:
    """deploy/kiosk.example.toml with its ports at the emulators' ptys, its paths under `tmp_path`, the chip
    reader at the IC station's vpcd slot, and the central service at `central_url` with a bearer token."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for section, sim in (("idcard", sims.idcard), ("scanner", sims.scanner), ("dispenser", sims.dispenser),
                         ("pinpad", sims.pinpad), ("printer", sims.printer)):
        text = _set(text, f"devices.{section}", "port", f'"{sim.path}"')
    reader = sims.vpcd.reader if sims.vpcd is not None else "No Such Reader 00 00"
    text = _set(text, "devices.chip", "reader", f'"{reader}"')
    text = _set(text, "kiosk", "branch_id", f'"{branch_id}"')
    text = _set(text, "central", "url", f'"{central_url}"')
    for key in ("ca_bundle", "client_cert", "client_key"):
        text = _set(text, "central", key, None)
    text = _set(text, "central", "bearer_token_file", f'"{token_file or tmp_path / "token"}"')
    text = _set(text, "central", "connect_timeout_s", "1.0")
    text = _set(text, "central", "read_timeout_s", "5.0")
    for key, name in (("database", "kiosk.sqlite"), ("log_dir", "log"), ("token_keys", "token-keys.json"),
                      ("staff_file", "staff.json")):
        text = _set(text, "paths", key, f'"{tmp_path / name}"')
    text = _set(text, "logging", "destination", '"file"')
    text = _set(text, "update", "health_file", f'"{tmp_path / "run" / "app-health.json"}"')
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def kiosk(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run the `kiosk` CLI in a fresh process (as branch IT would), output captured."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
