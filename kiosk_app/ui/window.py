"""How the kiosk's window opens: the panel's size and orientation, fullscreen and borderless, no cursor, and
no way out for a customer (Escape, the window's close, Alt-F4) in production; the demo keeps Ctrl+Shift+Q.

`configure_window` must run before anything imports `kivy.core.window` (that import opens the window).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

QUIT_KEY = "q"  # with Ctrl+Shift, in demo mode only


class DisplaySettings(Protocol):
    width: int
    height: int
    orientation: str
    fullscreen: bool
    mode: str


def window_size(display: DisplaySettings) -> tuple[int, int]:
    """(width, height) of the window: portrait swaps the panel's long and short sides."""
    long_side, short_side = max(display.width, display.height), min(display.width, display.height)
    return (short_side, long_side) if display.orientation == "portrait" else (long_side, short_side)


def configure_window(display: DisplaySettings) -> None:
    """Kivy's config for the panel, set before the window exists."""
    from kivy.config import Config

    width, height = window_size(display)
    production = display.mode == "production"
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if display.fullscreen else "0")
    Config.set("graphics", "borderless", "1" if display.fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if production else "1")
    Config.set("kivy", "exit_on_escape", "0")


def lock_window(window: Any, *, production: bool, stop: Callable[[], None]) -> Callable[[], None]:
    """Refuse the window's close (Alt-F4, the close button) in production; in the demo, Ctrl+Shift+Q stops.

    Returns a function that undoes the bindings (tests share one window).
    """
    window.show_cursor = not production

    def on_request_close(*args: Any, **kwargs: Any) -> bool:
        return production

    def on_key_down(win: Any, key: int, scancode: int, codepoint: str | None, modifiers: list[str]) -> bool:
        if key == 27:  # Escape (and Android's back): never leaves the app
            return True
        if not production and codepoint == QUIT_KEY and {"ctrl", "shift"} <= set(modifiers):
            stop()
            return True
        return False

    window.bind(on_request_close=on_request_close, on_key_down=on_key_down)

    def unlock() -> None:
        window.unbind(on_request_close=on_request_close, on_key_down=on_key_down)

    return unlock
