"""Shared by the device-assembly tests (a uniquely named module: every test folder has its own conftest)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk_app.config import KioskConfig
from kiosk_app.config.loader import dev_config_path

MakeConfig = Callable[..., KioskConfig]


def dev_data(tmp_path: Path) -> dict[str, Any]:
    """The dev config as a dict, its paths moved under `tmp_path`."""
    data = tomllib.loads(dev_config_path().read_text(encoding="utf-8"))
    data["paths"] = {"database": str(tmp_path / "kiosk.sqlite"), "log_dir": str(tmp_path / "log")}
    return data
