"""Suite-wide settings: Kivy renders offscreen with a throwaway home, so tests never touch a real screen."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long campaigns run only with KIOSK_LONG=1 (documented in the README)."""
    if os.environ.get("KIOSK_LONG") == "1":
        return
    skip = pytest.mark.skip(reason="long campaign: set KIOSK_LONG=1")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)
