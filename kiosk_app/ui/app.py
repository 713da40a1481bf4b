"""The Kivy app: one window, one SessionHost; screens arrive from the worker and are drawn on the main thread.

The customer's switches (language, large text with high contrast, sound) belong to the customer: they hold
for the session and go back to the kiosk's defaults when the welcome screen returns. Every screen speaks its
voice prompt (`voice.py`). In production the window cannot be closed from the keyboard (`window.py`).

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
from kiosk_app.ui.chrome import every_spinner
from kiosk_app.ui.components import ThemedButton
from kiosk_app.ui.fonts import register_default_font
from kiosk_app.ui.garbage import collect_after_switch, freeze_long_lived
from kiosk_app.ui.pin_counter import PinCounter
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.theme import Theme
from kiosk_app.ui.view import Controls, build_view
from kiosk_app.ui.view_bodies import PIN_STEPS
from kiosk_app.ui.voice import DEFAULT_STEP, VoicePlayer
from kiosk_app.ui.window import lock_window

CUSTOMER_SCREENS = {"idle", "closed"}


class KioskApp(App):
    title = "Branch kiosk"

    def __init__(self, host_factory: Callable[[Callable[[Screen], None]], SessionHost], *, bank_name: str,
                 locale: str = "zh_CN", tick_s: float = 1.0, console_factory: Callable[[], Any] | None = None,
                 theme: Theme | None = None, production: bool = False, voice: VoicePlayer | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._host_factory = host_factory
        self._console_factory = console_factory
        self.bank_name = bank_name
        self.default_locale = locale
        self.locale = locale
        self.texts = Texts(locale)
        self.tick_s = tick_s
        self.base_theme = theme or Theme.create(bank_name=bank_name)
        self.theme = self.base_theme
        self.production = production
        self.voice = voice or VoicePlayer(enabled=False)
        self.controls = Controls(on_language=self.switch_language, on_access=self.switch_access,
                                 on_sound=self.switch_sound)
        self._spin_event: Any = None
        self.host: SessionHost | None = None
        self.console: Any = None
        self._console_view: Any = None  # one ConsoleView per visit, updated in place (never rebuilt per tick)
        self.current: Screen | None = None
        self.in_console = False
        self._shown_at = 0.0

    def build(self) -> FloatLayout:
        from kivy.core.window import Window

        register_default_font()
        lock_window(Window, production=self.production, stop=self.stop)
        self.theme = self.base_theme.with_window(Window.size)
        Window.bind(size=lambda w, size: self._resized(size))
        self.root_box = FloatLayout()
        self.host = self._host_factory(lambda screen: Clock.schedule_once(lambda dt: self.show(screen)))
        if self._console_factory is not None:
            self.console = self._console_factory()
            self.console.restore_kiosk_state()
        freeze_long_lived()
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
            self._countdown.seconds = left

    # --- the customer's switches: they last for this customer only ------------------------------------------
    def switch_language(self) -> None:
        self.locale = "en" if self.locale == "zh_CN" else "zh_CN"
        self.texts = Texts(self.locale)
        self._redraw()
        if self.current is not None:
            self.voice.play(self.locale, self.current.step_id)

    def switch_access(self) -> None:
        """Large text and high contrast together: the one switch a customer with low vision looks for."""
        on = not self.controls.large_text
        self.controls.large_text = on
        self.theme = self.theme.with_access(large_text=on, high_contrast=on)
        self._redraw()

    def switch_sound(self) -> None:
        """The speaker button steps the volume: normal, loud, silent, quiet, normal ..."""
        self.controls.sound_step = self.voice.next_step()
        self._redraw()

    def _reset_for_next_customer(self) -> None:
        self.locale, self.texts = self.default_locale, Texts(self.default_locale)
        self.controls.large_text = False
        self.controls.sound_step = self.voice.set_step(DEFAULT_STEP)
        self.theme = self.base_theme.with_window(self.theme.window_size)

    def _resized(self, size: tuple[int, int]) -> None:
        self.theme = self.theme.with_window(size)
        self._redraw()

    def _redraw(self) -> None:
        if self.current is not None and not self.in_console:
            self._draw(self.current)

    def show(self, screen: Screen) -> None:
        """Draw a customer screen; called on the main thread only (ignored while the console is open)."""
        new_step = self.current is None or self.current.step_id != screen.step_id
        if screen.step_id in CUSTOMER_SCREENS and (self.current is None or self.current.step_id not in
                                                   CUSTOMER_SCREENS):
            self._reset_for_next_customer()
        if not new_step and not self.in_console and self._update_in_place(screen):
            self.current = screen
            return
        self.current, self._shown_at = screen, time.monotonic()
        if self.in_console:
            return
        self._draw(screen)
        if new_step:
            self.voice.play(self.locale, screen.step_id)

    def _update_in_place(self, screen: Screen) -> bool:
        """A key on the PIN pad changes only the counter: update it, do not rebuild the screen."""
        previous = self.current
        if previous is None or screen.step_id not in PIN_STEPS or screen.errors != previous.errors:
            return False
        counters = [w for w in self.root_box.walk() if isinstance(w, PinCounter)]
        if len(counters) != 1 or screen.data.get("entry") != previous.data.get("entry"):
            return False
        counters[0].digits = int(screen.data.get("digits", 0))
        return True

    def _draw(self, screen: Screen) -> None:
        self.root_box.clear_widgets()
        collect_after_switch()  # the tree just removed is cyclic garbage: free it once the new one is drawn
        view, self._countdown = build_view(screen, self.texts, self.post, bank_name=self.bank_name,
                                           theme=self.theme, controls=self.controls)
        self.root_box.add_widget(view)
        if self._spin_event is not None:
            self._spin_event.cancel()
            self._spin_event = None
        turn = every_spinner(view)
        if turn is not None:
            self._spin_event = Clock.schedule_interval(turn, 1 / 30)
        if self.console is not None and screen.step_id in CUSTOMER_SCREENS:
            staff = ThemedButton(self.theme, "quiet", text=self.texts.action("staff_login"), size_hint=(None, None),
                                 size=(self.theme.px(220), self.theme.space("target_min")),
                                 font_size=self.theme.font("small"), pos_hint={"x": 0.01, "y": 0.01})
            staff.bind(on_release=lambda b: self.open_console())
            self.root_box.add_widget(staff)

    # --- the lobby manager's console ------------------------------------------------------------------------
    def open_console(self) -> None:
        self.in_console, self._console_view = True, None
        self._show_console(self.console.screen)

    def _console_call(self, call: Callable[[], Screen]) -> None:
        def work() -> None:
            screen = call()
            Clock.schedule_once(lambda dt: self._show_console(screen))

        threading.Thread(target=work, name="console-action", daemon=True).start()

    def _console_post(self, event: Any) -> None:
        self._console_call(lambda: self.console.handle(event))

    def _show_console(self, screen: Screen) -> None:
        """Show a console screen in the visit's one ConsoleView: the 1 s pulse hands back the same screen, which
        changes nothing, so what the manager is typing survives."""
        from kiosk_app.ui.manager_view import ConsoleView

        if not self.in_console:
            return
        if screen.step_id in CUSTOMER_SCREENS and not self.console.logged_in:
            self.in_console, self._console_view = False, None
            self.show(self.host.session.screen)
            return
        if self._console_view is None:
            self._console_view = ConsoleView(self._console_post, locale=self.locale, theme=self.theme)
            self.root_box.clear_widgets()
            collect_after_switch()
            self.root_box.add_widget(self._console_view)
        self._console_view.show(screen)

    def on_stop(self) -> None:
        if self.host is not None:
            self.host.close()
