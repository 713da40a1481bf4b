"""The lobby manager's console as Kivy widgets: draws a `ManagerConsole` screen, posts what the manager touched.

Like `view.py`, it decides nothing: it shows `screen.data`, translates `screen.errors`, and turns touches into
`ManagerLogin` / `ManagerAction` through `post`. The app calls the console off the main thread and hands the
returned screen back here. Its words come from the message catalogue (`ManagerTexts`, section `manager.*`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk_app.flow.manager import ManagerAction, ManagerLogin
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.texts import ManagerTexts
from kiosk_app.ui.widgets import BigButton

Post = Callable[[ManagerLogin | ManagerAction], None]
RED, GREEN, INK = (0.75, 0.1, 0.1, 1), (0.1, 0.5, 0.2, 1), (0.1, 0.1, 0.1, 1)
MONO = "RobotoMono-Regular"

def _label(text: str, size: int = 22, color: tuple = INK, **kwargs: Any) -> Label:
    kwargs.setdefault("halign", "left")
    kwargs.setdefault("valign", "middle")
    label = Label(text=text, font_size=size, color=color, **kwargs)
    label.bind(size=lambda w, s: setattr(w, "text_size", s))
    return label


def _grid(rows: list[tuple[str, str]], colors: dict[int, tuple] | None = None) -> GridLayout:
    grid = GridLayout(cols=2, spacing=6, size_hint_y=None, row_default_height=40)
    grid.bind(minimum_height=grid.setter("height"))
    for i, (name, value) in enumerate(rows):
        grid.add_widget(_label(name, bold=True))
        grid.add_widget(_label(value, color=(colors or {}).get(i, INK)))
    return grid


def _login_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8, size_hint_y=None, height=210)
    staff_id = TextInput(hint_text=t.get("field", "staff_id"), multiline=False, font_size=24, size_hint_y=None,
                         height=56)
    pin = TextInput(hint_text=t.get("field", "pin"), password=True, multiline=False, input_filter="int",
                    font_size=24, size_hint_y=None, height=56)
    box.add_widget(staff_id)
    box.add_widget(pin)
    box.add_widget(BigButton(text=t.get("action", "login"),
                             on_release=lambda b: post(ManagerLogin(staff_id.text.strip(), pin.text))))
    box.inputs = (staff_id, pin)
    return box


def _menu_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    kiosk = screen.data.get("kiosk", "open")
    box.add_widget(_grid([(t.get("field", "staff_id"), str(screen.data.get("staff_id", ""))),
                          (t.get("field", "kiosk"), t.get("field", kiosk))], {1: RED if kiosk == "closed" else GREEN}))
    buttons = GridLayout(cols=3, spacing=12)
    for action in screen.actions:
        buttons.add_widget(BigButton(text=t.get("action", action), on_release=lambda b, a=action: post(
            ManagerAction(a))))
    box.add_widget(buttons)
    return box


def _devices_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=4)
    for device, line in zip(screen.data["devices"], screen.data["lines"], strict=True):
        box.add_widget(_label(line, 16, GREEN if device["ok"] else RED, font_name=MONO, size_hint_y=None, height=48))
    box.add_widget(Widget())  # the lines stay together at the top
    return box


def _stock_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    stock, bin_ = screen.data["stock"], screen.data["bin"]
    f = t.get
    rows = [(f("field", "stock"), str(stock["counted"])), (f("field", "sensor"), str(stock["sensor"])),
            (f("field", "bin"), str(bin_["counted"])), (f("field", "device_counter"), str(bin_["device_counter"])),
            (f("field", "full"), str(bin_["full"])), (f("field", "open_cards"), str(len(screen.data["open_cards"])))]
    colors = {0: RED, 1: RED} if "stock" in screen.errors else {}
    colors |= {2: RED, 3: RED} if "bin" in screen.errors else {}
    box = BoxLayout(orientation="vertical", spacing=8)
    box.add_widget(_grid(rows, colors))
    count = TextInput(hint_text=f("field", "count"), multiline=False, input_filter="int", font_size=24,
                      size_hint_y=None, height=56)
    box.add_widget(count)
    row = BoxLayout(size_hint_y=None, height=80, spacing=12)
    for action in ("refill", "recount"):
        row.add_widget(BigButton(text=f("action", action), on_release=lambda b, a=action: post(
            ManagerAction(a, int(count.text) if count.text.isdigit() else count.text))))
    row.add_widget(BigButton(text=f("action", "card_removed"), on_release=lambda b: post(
        ManagerAction("clear_jam", True))))
    box.add_widget(row)
    box.count_input = count
    return box


def _receipt_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    if screen.data.get("png"):
        texture = CoreImage(io.BytesIO(screen.data["png"]), ext="png").texture
        return Image(texture=texture, fit_mode="contain")
    return _label("\n".join(screen.data.get("lines", ())), 18, valign="top")


def _sessions_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    rows = [(t.get("field", "date"), screen.data["date"]), (t.get("field", "total"), str(screen.data["total"])),
            (t.get("field", "cards_issued"), str(screen.data["cards_issued"]))]
    rows += [(outcome, str(count)) for outcome, count in screen.data["by_outcome"].items()]
    return _grid(rows)


BODIES: dict[str, Callable[[Screen, ManagerTexts, Post], Widget]] = {
    "manager_login": _login_body, "manager_menu": _menu_body, "manager_devices": _devices_body,
    "manager_stock": _stock_body, "manager_receipt": _receipt_body, "manager_sessions": _sessions_body,
}
INLINE_ACTIONS = {"login", "refill", "recount"}  # drawn by the body, which knows the typed values


def _background(root: Widget) -> None:
    with root.canvas.before:
        Color(0.93, 0.95, 0.98, 1)  # a cooler tone than the customers' screens: staff mode at a glance
        bg = Rectangle(pos=root.pos, size=root.size)
    root.bind(pos=lambda w, p: setattr(bg, "pos", p), size=lambda w, s: setattr(bg, "size", s))


def build_manager_view(screen: Screen, post: Post, *, locale: str = "zh_CN") -> Widget:
    """The widget tree for one console screen; touches reach `post` as ManagerLogin / ManagerAction."""
    t = ManagerTexts(locale)
    root = BoxLayout(orientation="vertical", padding=24, spacing=10)
    _background(root)
    root.add_widget(_label(t.get("title", screen.step_id), 32, bold=True, size_hint_y=None, height=56))
    for field_name, key in screen.errors.items():
        text = t.get("error", key)
        if screen.step_id == "manager_devices":  # errors there are keyed by device name
            text = f"{field_name}: {text}"
        root.add_widget(Label(text=text, font_size=22, color=RED, size_hint_y=None, height=40))
    make = BODIES.get(screen.step_id)
    body = make(screen, t, post) if make else Widget()
    root.add_widget(body)
    if body.size_hint_y is None:  # a fixed-height body stays under the title; the space goes below it
        root.add_widget(Widget())
    actions = BoxLayout(size_hint_y=None, height=80, spacing=16)
    if screen.step_id != "manager_menu":  # the menu draws its actions as a grid
        for action in screen.actions:
            if action not in INLINE_ACTIONS:
                actions.add_widget(BigButton(text=t.get("action", action),
                                             on_release=lambda b, a=action: post(ManagerAction(a))))
    root.add_widget(actions)
    return root
