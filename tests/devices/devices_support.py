"""Shared by the device-assembly tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk_app.config import KioskConfig
from kiosk_app.config.loader import dev_config_path

MakeConfig = Callable[..., KioskConfig]
VPCD_WAIT = 60.0  # only two vpcd slots per machine: other test runs may hold both for a while


def dev_data(tmp_path: Path) -> dict[str, Any]:
    """The dev config as a dict, its paths moved under `tmp_path`."""
    data = tomllib.loads(dev_config_path().read_text(encoding="utf-8"))
    data["paths"] = {"database": str(tmp_path / "kiosk.sqlite"), "log_dir": str(tmp_path / "log")}
    return data


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """Enough TOML for a kiosk config: nested tables of strings, numbers and booleans."""
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    lines = [f"[{prefix}]"] if prefix and scalars else []
    for key, value in scalars.items():
        text = str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(value, int | float) else (
            '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"')
        lines.append(f"{key} = {text}")
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(to_toml(value, f"{prefix}.{key}" if prefix else key))
    return "\n".join(lines) + "\n"


def write_config(tmp_path: Path, central_url: str, **changes: dict[str, Any]) -> Path:
    """A kiosk.toml under `tmp_path`: the dev config, central at `central_url`, sections updated by `changes`."""
    data = dev_data(tmp_path)
    data["central"] = {"url": central_url, "bearer_token_file": str(tmp_path / "secrets" / "token"),
                       "connect_timeout_s": 1.0, "read_timeout_s": 2.0}
    data["paths"]["token_keys"] = str(tmp_path / "secrets" / "token-keys.json")
    for section, values in changes.items():
        if section in ("central", "paths", "kiosk"):
            data[section].update(values)
        else:
            data["devices"][section] = values
    path = tmp_path / "kiosk.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path
