"""Configs for the device-assembly tests: the packaged dev config with per-test changes to [devices]."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devices_support import MakeConfig, dev_data

from central_service.admin import CentralAdmin
from central_service.testing import running_central
from kiosk_app.config import KioskConfig


@pytest.fixture
def make_config(tmp_path: Path) -> MakeConfig:
    """`make_config(printer={"driver": "disabled"}, ...)`: the dev config with those [devices.*] tables replaced."""

    def make(**devices: dict[str, Any]) -> KioskConfig:
        data = dev_data(tmp_path)
        data["devices"].update(devices)
        return KioskConfig.model_validate(data)

    return make


@pytest.fixture
def central_service(tmp_path: Path) -> Iterator[tuple[str, CentralAdmin]]:
    """The reference central service on a free loopback port: (base URL, admin)."""
    (tmp_path / "central").mkdir()
    with running_central(tmp_path / "central") as served:
        yield served
