"""One offscreen Kivy window per test process (SDL2 renders through Mesa without an X server).

The window size is set here, at import, because importing any Kivy widget module creates the window.
"""

from __future__ import annotations

import pytest
from kivy.config import Config

Config.set("graphics", "width", "1024")
Config.set("graphics", "height", "768")


@pytest.fixture(scope="session")
def window():
    from kivy.base import EventLoop

    from kiosk_app.ui.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    from kivy.core.window import Window

    return Window
