"""The Kivy app: one window, one SessionHost; screens arrive from the worker and are drawn on the main thread.

Touch input is configured explicitly (mouse only in development, the panel's provider on a kiosk) because a
panel opened by two providers fires every tap twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.flow.events import Event, Tick
from kiosk_app.flow.host import SessionHost
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.fonts import register_default_font
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.view import build_view


class KioskApp(App):
    title = "Branch kiosk"

    def __init__(self, host_factory: Callable[[Callable[[Screen], None]], SessionHost], *, bank_name: str,
                 locale: str = "zh_CN", tick_s: float = 1.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self._host_factory = host_factory
        self.bank_name = bank_name
        self.texts = Texts(locale)
        self.tick_s = tick_s
        self.host: SessionHost | None = None
        self.current: Screen | None = None
        self._shown_at = 0.0

    def build(self) -> BoxLayout:
        register_default_font()
        self.root_box = BoxLayout()
        self.host = self._host_factory(lambda screen: Clock.schedule_once(lambda dt: self.show(screen)))
        self.show(self.host.session.screen)
        Clock.schedule_interval(self._tick, self.tick_s)
        return self.root_box

    def post(self, event: Event) -> None:
        if self.host is not None:
            self.host.post(event)

    def _tick(self, dt: float) -> None:
        self.post(Tick())
        if self.current is not None and self.current.timeout_s:
            left = max(0, int(self.current.timeout_s - (time.monotonic() - self._shown_at)))
            self._countdown.text = f"{left} s"

    def show(self, screen: Screen) -> None:
        """Draw `screen`; called on the main thread only."""
        self.current, self._shown_at = screen, time.monotonic()
        self.root_box.clear_widgets()
        view, self._countdown = build_view(screen, self.texts, self.post, bank_name=self.bank_name)
        self.root_box.add_widget(view)

    def on_stop(self) -> None:
        if self.host is not None:
            self.host.close()
