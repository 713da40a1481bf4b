"""Screen description -> widget tree. Each step id may add a body; everything else is generic.

The view never decides anything: it shows `screen.data`, translates `screen.errors`, and turns a touch on an
action into `Touch(action, value)` through `post`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.spinner import Spinner
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton
from kivy.uix.widget import Widget

from kiosk_app.assets import asset
from kiosk_app.flow.events import Event, StaffAuth, StaffDecision, Touch
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.widgets import BigButton, QrCode, SignaturePad

Post = Callable[[Event], None]


def _label(text: str, size: int = 24, **kwargs: Any) -> Label:
    kwargs.setdefault("halign", "left")
    label = Label(text=text, font_size=size, color=(0.1, 0.1, 0.1, 1), valign="middle", **kwargs)
    label.bind(size=lambda w, s: setattr(w, "text_size", s))
    return label


def _fields(data: dict[str, Any], texts: Texts) -> ScrollView:
    """Label/value rows in a scroll view, so a long form never runs over the title."""
    grid = GridLayout(cols=2, spacing=8, size_hint_y=None, row_default_height=44)
    grid.bind(minimum_height=grid.setter("height"))
    for key, value in data.items():
        if isinstance(value, (dict, list)) and key != "services":
            continue
        grid.add_widget(_label(texts.field(key), 22, bold=True, size_hint_x=0.35))
        grid.add_widget(_label(texts.value(key, value), 22, size_hint_x=0.65))
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(grid)
    return scroll


def _review_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    box.add_widget(_fields({**screen.data["customer"], "account_class": screen.data["account_class"]}, texts))
    labels = {texts.occupation(code): code for code in screen.data["pick_lists"]["occupation"]}
    spinner = Spinner(text=texts.field("occupation"), values=list(labels), size_hint_y=None, height=56, font_size=22)
    spinner.bind(text=lambda w, v: v in labels and post(Touch("edit", {"field": "occupation", "value": labels[v]})))
    box.add_widget(spinner)
    return box


def _risk_redo_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    box.add_widget(_label(texts.question(screen.data["question"]), 26))
    for choice in screen.data["choices"]:
        box.add_widget(BigButton(text=choice, on_release=lambda b, c=choice: post(Touch("answer", c))))
    return box


def _services_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    for service in screen.data["available"]:
        toggle = ToggleButton(text=texts.service(service), font_size=24, size_hint_y=None, height=64,
                              state="down" if service in screen.data["selected"] else "normal")
        toggle.bind(on_release=lambda b, s=service: post(Touch("toggle", s)))
        box.add_widget(toggle)
    for refused in screen.data.get("refused", []):
        box.add_widget(_label(texts.error(refused), 20))
    return box


def _signature_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    pad = SignaturePad()
    pad.submit = lambda: post(Touch("sign", [list(s) for s in pad.strokes]))
    return pad


def _staff_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    staff_id = TextInput(hint_text=texts.get("staff_id_hint"), multiline=False, input_filter="int", font_size=24,
                         size_hint_y=None, height=56)
    pin = TextInput(hint_text=texts.get("pin_hint"), password=True, multiline=False, input_filter="int", font_size=24,
                    size_hint_y=None, height=56)
    box.add_widget(_label(screen.staff_message or "", 22))
    box.add_widget(staff_id)
    box.add_widget(pin)
    box.add_widget(BigButton(text=texts.action("staff_login"),
                             on_release=lambda b: post(StaffAuth(f"M{staff_id.text.zfill(3)}", pin.text))))
    return box


def _qr_body(screen: Screen, texts: Texts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical")
    if screen.data.get("qr"):
        box.add_widget(QrCode(screen.data["qr"]))
    return box


BODIES: dict[str, Callable[[Screen, Texts, Post], Widget]] = {
    "review": _review_body, "risk_redo": _risk_redo_body, "services": _services_body,
    "signature": _signature_body, "staff_needed": _staff_body, "walk_in_form": _qr_body,
    "wechat_binding": _qr_body, "official_account": _qr_body,
}


def _document(name: str, counter: str, texts: Texts) -> Widget:
    """An agreement's text from assets/agreements (the bank's own wording), scrollable."""
    suffix = "zh_CN" if texts.locale == "zh_CN" else "en"
    try:
        body = asset("agreements", f"{name}.{suffix}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        body = name
    label = Label(text=f"{counter}\n{body}" if counter else body, font_size=20, color=(0.1, 0.1, 0.1, 1),
                  halign="left", valign="top", size_hint_y=None)
    label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)),
               texture_size=lambda w, size: setattr(w, "height", size[1]))
    scroll = ScrollView(do_scroll_x=False)
    scroll.add_widget(label)
    return scroll


def _body(screen: Screen, texts: Texts, post: Post) -> Widget:
    if screen.step_id in BODIES:
        return BODIES[screen.step_id](screen, texts, post)
    if screen.step_id == "idle":
        return _label(texts.get("scan_qr"), 26)
    if screen.step_id == "agreements":
        return _document(f"{screen.data['agreement']}", f"{screen.data['index']}/{screen.data['count']}", texts)
    if screen.step_id == "sensitive_consent":
        return _document("sensitive_consent", "", texts)
    if screen.step_id == "tax_residency":
        status = screen.data["declaration"].get("status", "")
        return _label(texts.value("tax_status", status), 26)
    return _fields({k: v for k, v in screen.data.items() if k != "customer"}, texts)


def _action_button(action: str, screen: Screen, texts: Texts, post: Post, body: Widget) -> BigButton:
    if action == "sign":
        return BigButton(text=texts.action(action), on_release=lambda b: body.submit())
    if action in ("approve", "decline"):
        return BigButton(text=texts.action(action), on_release=lambda b: post(StaffDecision(action == "approve")))
    return BigButton(text=texts.action(action), on_release=lambda b: post(Touch(action)))


INLINE_ACTIONS = {"edit", "answer", "toggle"}


def build_view(screen: Screen, texts: Texts, post: Post, *, bank_name: str) -> tuple[Widget, Label]:
    """The screen's widget tree, and the countdown label the app updates every second."""
    root = BoxLayout(orientation="vertical", padding=24, spacing=12)
    with root.canvas.before:
        Color(0.97, 0.97, 0.95, 1)
        bg = Rectangle(pos=root.pos, size=root.size)
    root.bind(pos=lambda w, p: setattr(bg, "pos", p), size=lambda w, s: setattr(bg, "size", s))
    header = BoxLayout(size_hint_y=None, height=48)
    header.add_widget(_label(bank_name, 22, bold=True))
    if screen.progress:
        done, total = screen.progress
        header.add_widget(_label("●" * done + "○" * (total - done), 18, halign="center"))
    countdown = _label(f"{screen.timeout_s} s" if screen.timeout_s else "", 22, halign="right")
    header.add_widget(countdown)
    root.add_widget(header)
    root.add_widget(_label(texts.title(screen.step_id), 34, bold=True, size_hint_y=None, height=64))
    for key in screen.errors.values():
        root.add_widget(Label(text=texts.error(key), font_size=24, color=(0.75, 0.1, 0.1, 1), size_hint_y=None,
                              height=48))
    body = _body(screen, texts, post)
    root.add_widget(body)
    actions = BoxLayout(size_hint_y=None, height=80, spacing=16)
    for action in screen.actions:
        if action not in INLINE_ACTIONS:
            actions.add_widget(_action_button(action, screen, texts, post, body))
    root.add_widget(actions)
    return root, countdown
