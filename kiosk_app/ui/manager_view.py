"""The lobby manager's console as Kivy widgets: one `ConsoleView` that draws `ManagerConsole` screens in place.

Why one long-lived view: the console's clock pulse returns the same screen many times a second, and a tree
rebuilt on each pulse dropped what the manager was typing. `ConsoleView.show` ignores a screen it already
shows, updates the title, errors and body in place when the manager stays on the same console page (a failed
login keeps the staff id, a refill updates the counts), and builds a new body only on a page change. Typing is
on the on-screen keypad (`keypad.py`). Like `view.py`, it decides nothing: severities and actions come with the
screen (`flow/device_health.py`, `flow/manager_ops.py`); its words come from the catalogue (`ManagerTexts`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from kiosk_app.flow.manager import ManagerAction, ManagerLogin
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.staff import staff_id_from_digits
from kiosk_app.ui.components import ThemedButton, action_row, fill, text
from kiosk_app.ui.keypad import KeypadField, NumericKeypad
from kiosk_app.ui.texts import ManagerTexts
from kiosk_app.ui.theme import RGBA, Theme, hex_rgba

Post = Callable[[ManagerLogin | ManagerAction], None]
CONSOLE_BACKGROUND = hex_rgba("#E8EDF5")  # a cooler tone than the customers' screens: staff mode at a glance
WARNING_TEXT = hex_rgba("#8A5A00")  # amber dark enough for 4.5:1 on the console's background
INLINE_ACTIONS = {"login", "refill", "recount"}  # drawn by the body, which knows the typed values
DANGER = {"close", "clear_jam"}
PRIMARY = {"open"}


def severity_colour(theme: Theme, severity: str | None) -> RGBA:
    return {"ok": theme.palette.success, "warning": WARNING_TEXT, "fault": theme.palette.error_text}.get(
        severity or "", theme.palette.text)


class Row(BoxLayout):
    """One name/value line of a console table; `set` changes the value (and its colour) in place."""

    def __init__(self, theme: Theme, name: str, value: str = "", colour: RGBA | None = None) -> None:
        super().__init__(size_hint_y=None, height=theme.font("small") * 1.6, spacing=theme.space("gap"))
        self.theme = theme
        self.name = text(theme, name, "small", colour=theme.palette.muted_text, grow=False, size_hint_x=0.45)
        self.value = text(theme, value, "small", bold=True, grow=False, size_hint_x=0.55)
        self.add_widget(self.name)
        self.add_widget(self.value)
        self.set(value, colour)

    def set(self, value: str, colour: RGBA | None = None) -> None:
        self.value.text = value
        self.value.color = colour or self.theme.palette.text


def table(theme: Theme, rows: list[Row]) -> BoxLayout:
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=theme.px(6))
    box.height = sum(r.height for r in rows) + theme.px(6) * max(0, len(rows) - 1)
    for row in rows:
        box.add_widget(row)
    return box


class Page(BoxLayout):
    """A console page's body; `update` returns False when the screen needs a new body."""

    def __init__(self, view: ConsoleView, **kwargs: Any) -> None:
        kwargs.setdefault("orientation", "vertical")
        kwargs.setdefault("spacing", view.theme.space("gap"))
        super().__init__(**kwargs)
        self.view, self.theme, self.t = view, view.theme, view.t

    def update(self, screen: Screen) -> bool:
        return False


class LoginPage(Page):
    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view)
        theme, texts = self.theme, self.t.customer
        self.staff_id = KeypadField(theme, label=self.t.get("field", "staff_id"), max_length=6)
        self.pin = KeypadField(theme, label=self.t.get("field", "pin"), secret=True, max_length=8)
        self.keypad = NumericKeypad(theme, (self.staff_id, self.pin), key_names=lambda k: texts.get(f"keypad_{k}"))
        login = ThemedButton(theme, "primary", text=self.t.get("action", "login"))
        login.bind(on_release=lambda b: view.post(ManagerLogin(staff_id_from_digits(self.staff_id.value),
                                                               self.pin.value)))
        fields = BoxLayout(orientation="vertical", spacing=theme.space("gap"), size_hint=(None, None),
                           width=theme.px(560), height=self.keypad.height)
        for widget in (self.staff_id, self.pin, login, Widget()):
            fields.add_widget(widget)
        row = BoxLayout(spacing=theme.space("gap") * 2, size_hint_y=None, height=self.keypad.height)
        for widget in (fields, self.keypad, Widget()):
            row.add_widget(widget)
        self.add_widget(row)
        self.add_widget(Widget())
        self.inputs = (self.staff_id, self.pin)

    def update(self, screen: Screen) -> bool:
        """A refused login keeps the staff id and clears the PIN, ready for the next try."""
        self.pin.value = ""
        self.keypad.activate(self.pin if self.staff_id.value else self.staff_id)
        return True


class MenuPage(Page):
    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view)
        self.staff = Row(self.theme, self.t.get("field", "staff_id"))
        self.kiosk = Row(self.theme, self.t.get("field", "kiosk"))
        self.add_widget(table(self.theme, [self.staff, self.kiosk]))
        cols = 2 if self.theme.portrait else 4
        grid = GridLayout(cols=cols, spacing=self.theme.space("gap"), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for action in screen.actions:
            kind = "danger" if action in DANGER else "primary" if action in PRIMARY else "secondary"
            button = ThemedButton(self.theme, kind, text=self.t.get("action", action))
            button.bind(on_release=lambda b, a=action: view.post(ManagerAction(a)))
            grid.add_widget(button)
        self.add_widget(grid)
        self.add_widget(Widget())
        self.actions = screen.actions
        self.update(screen)

    def update(self, screen: Screen) -> bool:
        if screen.actions != self.actions:
            return False
        kiosk = screen.data.get("kiosk", "open")
        self.staff.set(str(screen.data.get("staff_id", "")))
        self.kiosk.set(self.t.get("field", kiosk), severity_colour(self.theme, "fault" if kiosk == "closed" else "ok"))
        return True


class DevicesPage(Page):
    """One row per device: its name, its state in words, the severity (coloured) and what to do."""

    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view)
        self.rows: dict[str, tuple[Any, Any, Any]] = {}
        theme = self.theme
        grid = GridLayout(cols=3, spacing=(theme.space("gap") * 2, theme.px(6)), size_hint_y=None)
        grid.bind(minimum_height=grid.setter("height"))
        for health in screen.data.get("health", ()):
            cells = (text(theme, self.t.get("device", health["name"]), "small", bold=True, size_hint_x=0.28),
                     text(theme, "", "small", size_hint_x=0.22), text(theme, "", "small", size_hint_x=0.5))
            for cell in cells:
                grid.add_widget(cell)
            self.rows[health["name"]] = cells
        self.add_widget(grid)
        self.add_widget(Widget())
        self.update(screen)

    def update(self, screen: Screen) -> bool:
        healths = list(screen.data.get("health", ()))
        if [h["name"] for h in healths] != list(self.rows):
            return False
        for health in healths:
            _, state, advice = self.rows[health["name"]]
            colour = severity_colour(self.theme, health["severity"])
            state.text = f"{self.t.get('severity', health['severity'])} · {self.t.get('state', health['state'])}"
            state.color = colour
            advice.text = self.t.get("advice", health["advice"])
            advice.color = colour if health["severity"] != "ok" else self.theme.palette.muted_text
        return True


class StockPage(Page):
    """The kiosk's counts beside the sensors, with thresholds; a count typed on the keypad for refill/recount."""

    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view, orientation="vertical" if view.theme.portrait else "horizontal")
        theme, f = self.theme, self.t.get
        self.rows = {key: Row(theme, f("field", key)) for key in (
            "stock", "sensor", "low_threshold", "bin", "device_counter", "full", "bin_threshold", "open_cards")}
        left = BoxLayout(orientation="vertical", spacing=theme.space("gap"))
        left.add_widget(table(theme, list(self.rows.values())))
        self.notes = text(theme, "", "small")
        left.add_widget(self.notes)
        left.add_widget(Widget())
        self.add_widget(left)
        self.count = KeypadField(theme, label=f("field", "count"), max_length=4)
        self.count_input = self.count
        self.keypad = NumericKeypad(theme, (self.count,), key_names=lambda k: self.t.customer.get(f"keypad_{k}"))
        right = BoxLayout(orientation="vertical", spacing=theme.space("gap"), size_hint_x=None,
                          width=self.keypad.width + theme.px(360) + theme.space("gap"))
        buttons = BoxLayout(orientation="vertical", spacing=theme.space("gap"), size_hint_x=None,
                            width=theme.px(360))
        buttons.add_widget(self.count)
        for action, value in (("refill", None), ("recount", None), ("card_removed", True)):
            button = ThemedButton(theme, "secondary", text=f("action", action))
            button.bind(on_release=lambda b, a=action, v=value: self._post(a, v))
            buttons.add_widget(button)
        buttons.add_widget(Widget())
        pad_row = BoxLayout(spacing=theme.space("gap"), size_hint_y=None, height=self.keypad.height)
        buttons.size_hint_y, buttons.height = None, self.keypad.height
        pad_row.add_widget(buttons)
        pad_row.add_widget(self.keypad)
        right.add_widget(pad_row)
        right.add_widget(Widget())
        self.add_widget(right)
        self.update(screen)

    def _post(self, action: str, value: Any) -> None:
        if action == "card_removed":
            self.view.post(ManagerAction("clear_jam", True))
            return
        typed = self.count.value
        self.view.post(ManagerAction(action, int(typed) if typed.isdigit() else typed))

    def update(self, screen: Screen) -> bool:
        stock, bin_ = screen.data.get("stock", {}), screen.data.get("bin", {})
        f, theme = self.t.get, self.theme
        stock_colour = severity_colour(theme, stock.get("severity"))
        bin_colour = severity_colour(theme, bin_.get("severity"))
        mismatch = severity_colour(theme, "fault")
        unknown = f("text", "unknown")
        self.rows["stock"].set(f("text", "stock_line").format(count=stock.get("counted", "?")),
                               mismatch if "stock" in screen.errors else stock_colour)
        self.rows["sensor"].set(f("sensor", stock.get("sensor") or "none"),
                                mismatch if "stock" in screen.errors else None)
        self.rows["low_threshold"].set(f("text", "low_threshold").format(threshold=stock.get("low_threshold", "?")))
        self.rows["bin"].set(f("text", "stock_line").format(count=bin_.get("counted", "?")),
                             mismatch if "bin" in screen.errors else bin_colour)
        counter = bin_.get("device_counter")
        self.rows["device_counter"].set(unknown if counter is None else str(counter),
                                        mismatch if "bin" in screen.errors else None)
        full = bin_.get("full")
        self.rows["full"].set(unknown if full is None else f("text", "yes" if full else "no"),
                              mismatch if full else None)
        self.rows["bin_threshold"].set(f("text", "bin_threshold").format(threshold=bin_.get("warn_threshold", "?")))
        open_cards = screen.data.get("open_cards", [])
        self.rows["open_cards"].set(str(len(open_cards) if isinstance(open_cards, list) else open_cards),
                                    mismatch if open_cards else None)
        if not screen.errors:
            self.count.value = ""  # the count was taken: ready for the next one
        return True


class ReceiptPage(Page):
    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view)
        if screen.data.get("png"):
            texture = CoreImage(io.BytesIO(screen.data["png"]), ext="png").texture
            self.add_widget(Image(texture=texture, fit_mode="contain"))
        else:
            self.add_widget(text(self.theme, "\n".join(screen.data.get("lines", ())), "small", grow=False))


class SessionsPage(Page):
    def __init__(self, view: ConsoleView, screen: Screen) -> None:
        super().__init__(view)
        f, data = self.t.get, screen.data
        rows = [Row(self.theme, f("field", "date"), str(data["date"])),
                Row(self.theme, f("field", "total"), str(data["total"])),
                Row(self.theme, f("field", "cards_issued"), str(data["cards_issued"]))]
        rows += [Row(self.theme, self.t.customer.outcome(outcome), str(count))
                 for outcome, count in data["by_outcome"].items()]
        self.add_widget(table(self.theme, rows))
        self.add_widget(Widget())


PAGES: dict[str, Callable[[ConsoleView, Screen], Page]] = {
    "manager_login": LoginPage, "manager_menu": MenuPage, "manager_devices": DevicesPage,
    "manager_stock": StockPage, "manager_receipt": ReceiptPage, "manager_sessions": SessionsPage,
}


class ConsoleView(BoxLayout):
    """The console's one widget tree; `show(screen)` updates it in place (see the module's docstring)."""

    def __init__(self, post: Post, *, locale: str = "zh_CN", theme: Theme | None = None) -> None:
        theme = theme or _default_theme()
        super().__init__(orientation="vertical", padding=theme.space("margin"), spacing=theme.space("gap"))
        self.post, self.theme, self.t = post, theme, ManagerTexts(locale)
        self.screen: Screen | None = None
        fill(self, CONSOLE_BACKGROUND)
        self.title = text(theme, "", "title", bold=True)
        self.errors = text(theme, "", "small", colour=theme.palette.error_text, grow=False, size_hint_y=None,
                           height=0)
        self.body: Page = Page(self)
        self.actions = BoxLayout(size_hint_y=None, height=theme.space("target"))
        for widget in (self.title, self.errors, self.body, self.actions):
            self.add_widget(widget)

    def show(self, screen: Screen) -> None:
        """Draw `screen`; the same screen again (a clock pulse that changed nothing) touches nothing."""
        if screen is self.screen:
            return
        previous, self.screen = self.screen, screen
        self.title.text = self.t.get("title", screen.step_id)
        lines = self._error_lines(screen)
        self.errors.text = "\n".join(lines)
        self.errors.height = len(lines) * self.theme.font("small") * 1.4
        if previous is not None and previous.step_id == screen.step_id and self.body.update(screen):
            if previous.actions != screen.actions:
                self._set_actions(screen)
            return
        index = self.children.index(self.body)
        self.remove_widget(self.body)
        make = PAGES.get(screen.step_id)
        self.body = make(self, screen) if make else Page(self)
        self.add_widget(self.body, index=index)
        self._set_actions(screen)

    def _error_lines(self, screen: Screen) -> list[str]:
        if screen.step_id == "manager_devices":  # the table shows each device's trouble
            return [self.t.get("error", k) for f, k in screen.errors.items() if f == "base"]
        return [self.t.get("error", key) for key in screen.errors.values()]

    def _set_actions(self, screen: Screen) -> None:
        index = self.children.index(self.actions)
        self.remove_widget(self.actions)
        left: list[Widget] = []
        if screen.step_id != "manager_menu":  # the menu draws its actions as a grid
            for action in screen.actions:
                if action in INLINE_ACTIONS:
                    continue
                kind = "danger" if action in DANGER else "secondary"
                button = ThemedButton(self.theme, kind, text=self.t.get("action", action), size_hint_x=None,
                                      width=self.theme.px(300))
                button.bind(on_release=lambda b, a=action: self.post(ManagerAction(a)))
                left.append(button)
        self.actions = action_row(self.theme, left, [])
        self.add_widget(self.actions, index=index)


def _default_theme() -> Theme:
    from kivy.core.window import Window  # importing it opens the window: only once one is wanted

    return Theme.create(window_size=tuple(Window.size))


def build_manager_view(screen: Screen, post: Post, *, locale: str = "zh_CN", theme: Theme | None = None
                       ) -> ConsoleView:
    """A console view showing `screen`; keep it and call `show` for the next screens."""
    view = ConsoleView(post, locale=locale, theme=theme)
    view.show(screen)
    return view
