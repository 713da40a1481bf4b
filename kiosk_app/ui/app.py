"""The Kivy app: one window, one SessionHost; screens arrive from the worker and are drawn on the main thread.

A small "staff" button on the idle screen opens the lobby manager's console (its own view); the console's
calls run on a worker thread too, because initialising a dispenser or printing takes seconds. Touch input is
configured explicitly (mouse only in development, the panel's provider on a kiosk) because a panel opened by
two providers fires every tap twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.uix.floatlayout import FloatLayout

from kiosk_app.flow.events import Event, Tick
from kiosk_app.flow.host import SessionHost
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.fonts import register_default_font
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.view import build_view
from kiosk_app.ui.widgets import BigButton

CUSTOMER_SCREENS = {"idle", "closed"}


class KioskApp(App):
    title = "Branch kiosk"

    def __init__(self, host_factory: Callable[[Callable[[Screen], None]], SessionHost], *, bank_name: str,
                 locale: str = "zh_CN", tick_s: float = 1.0, console_factory: Callable[[], Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._host_factory = host_factory
        self._console_factory = console_factory
        self.bank_name = bank_name
        self.locale = locale
        self.texts = Texts(locale)
        self.tick_s = tick_s
        self.host: SessionHost | None = None
        self.console: Any = None
        self.current: Screen | None = None
        self.in_console = False
        self._shown_at = 0.0

    def build(self) -> FloatLayout:
        register_default_font()
        self.root_box = FloatLayout()
        self.host = self._host_factory(lambda screen: Clock.schedule_once(lambda dt: self.show(screen)))
        if self._console_factory is not None:
            self.console = self._console_factory()
            self.console.restore_kiosk_state()
        self.show(self.host.session.screen)
        Clock.schedule_interval(self._tick, self.tick_s)
        return self.root_box

    def post(self, event: Event) -> None:
        if self.host is not None:
            self.host.post(event)

    def _tick(self, dt: float) -> None:
        if self.in_console:
            self._console_call(self.console.tick)
            return
        self.post(Tick())
        if self.current is not None and self.current.timeout_s:
            left = max(0, int(self.current.timeout_s - (time.monotonic() - self._shown_at)))
            self._countdown.text = f"{left} s"

    def show(self, screen: Screen) -> None:
        """Draw a customer screen; called on the main thread only (ignored while the console is open)."""
        self.current, self._shown_at = screen, time.monotonic()
        if self.in_console:
            return
        self.root_box.clear_widgets()
        view, self._countdown = build_view(screen, self.texts, self.post, bank_name=self.bank_name)
        self.root_box.add_widget(view)
        if self.console is not None and screen.step_id in CUSTOMER_SCREENS:
            staff = BigButton(text=self.texts.action("staff_login"), size_hint=(None, None), size=(160, 56),
                              font_size=18, pos_hint={"right": 0.99, "top": 0.99})
            staff.bind(on_release=lambda b: self.open_console())
            self.root_box.add_widget(staff)

    # --- the lobby manager's console ------------------------------------------------------------------------
    def open_console(self) -> None:
        self.in_console = True
        self._show_console(self.console.screen)

    def _console_call(self, call: Callable[[], Screen]) -> None:
        def work() -> None:
            screen = call()
            Clock.schedule_once(lambda dt: self._show_console(screen))

        threading.Thread(target=work, name="console-action", daemon=True).start()

    def _console_post(self, event: Any) -> None:
        self._console_call(lambda: self.console.handle(event))

    def _show_console(self, screen: Screen) -> None:
        from kiosk_app.ui.manager_view import build_manager_view

        if not self.in_console:
            return
        if screen.step_id in CUSTOMER_SCREENS and not self.console.logged_in:
            self.in_console = False
            self.show(self.host.session.screen)
            return
        self.root_box.clear_widgets()
        self.root_box.add_widget(build_manager_view(screen, self._console_post, locale=self.locale))

    def on_stop(self) -> None:
        if self.host is not None:
            self.host.close()
