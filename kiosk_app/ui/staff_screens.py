"""The journey's lobby-manager steps, drawn inside the customer's frame (`view.py` dispatches here):

- `staff_needed`: the customer reads that help is on the way and that the timer is paused; the manager who
  arrives logs in on the same screen with the on-screen keypad (staff id and PIN, no keyboard needed);
- `staff_decide`: what the manager must check before approving: the reason in words, the customer masked, the
  ID card's photo when the reader gives a drawable one;
- `closed`: the kiosk is closed; no welcome, nothing to touch but the staff button the app adds.

It decides nothing: it posts `StaffAuth` with what was typed; approve/decline are the frame's action buttons.
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

from kiosk_app.flow.events import Event, StaffAuth
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.staff import staff_id_from_digits
from kiosk_app.ui.components import ThemedButton, fill, text
from kiosk_app.ui.keypad import KeypadField, NumericKeypad
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.theme import Theme

Post = Callable[[Event], None]
# What the waiting customer reads: calling until the lobby floor answers, then the answer.
HELP_TEXT = {None: "staff_calling", "acknowledged": "help_acknowledged", "on_way": "help_on_way"}
PHOTO_FORMATS = {b"\x89PNG": "png", b"\xff\xd8\xff": "jpg", b"BM": "bmp"}


def staff_login_panel(theme: Theme, texts: Texts, on_login: Callable[[str, str], None]) -> BoxLayout:
    """Staff id and PIN fields beside a numeric keypad, and the login button; `on_login(staff_id, pin)`."""
    staff_id = KeypadField(theme, label=texts.get("staff_id_hint"), max_length=6)
    pin = KeypadField(theme, label=texts.get("pin_hint"), secret=True, max_length=8)
    keypad = NumericKeypad(theme, (staff_id, pin), key_names=lambda key: texts.get(f"keypad_{key}"))
    login = ThemedButton(theme, "primary", text=texts.action("staff_login"))
    login.bind(on_release=lambda b: on_login(staff_id_from_digits(staff_id.value), pin.value))
    fields = BoxLayout(orientation="vertical", spacing=theme.space("gap"), size_hint_y=None,
                       height=keypad.height)
    for widget in (staff_id, pin, login):
        fields.add_widget(widget)
    panel = BoxLayout(spacing=theme.space("gap") * 2, size_hint_y=None, height=keypad.height,
                      padding=(0, 0, 0, 0))
    panel.add_widget(fields)
    panel.add_widget(keypad)
    panel.fields, panel.keypad, panel.login = (staff_id, pin), keypad, login
    return panel


def _staff_needed(screen: Screen, texts: Texts, post: Post, theme: Theme) -> Widget:
    """Help is on the way (the frame's banner says why); the manager's login beside it, keypad included."""
    box = BoxLayout(orientation="vertical" if theme.portrait else "horizontal", spacing=theme.space("gap") * 2)
    words = BoxLayout(orientation="vertical", spacing=theme.space("gap"))
    words.add_widget(text(theme, texts.get(HELP_TEXT[screen.data.get("help")]), "heading", bold=True))
    words.add_widget(Widget())
    box.add_widget(words)
    panel = staff_login_panel(theme, texts, lambda staff_id, pin: post(StaffAuth(staff_id, pin)))
    card = BoxLayout(orientation="vertical", size_hint_y=None, padding=theme.px(20),
                     height=panel.height + theme.px(40))
    if not theme.portrait:
        card.size_hint_x = 1.6
    fill(card, theme.palette.surface, radius=theme.space("radius"), border=theme.palette.secondary_border)
    card.add_widget(panel)
    card.login_panel = panel
    column = BoxLayout(orientation="vertical", size_hint_x=card.size_hint_x)
    column.add_widget(card)
    column.add_widget(Widget())
    card.size_hint_x = 1
    box.add_widget(column)
    return box


def photo_widget(photo: bytes | None, theme: Theme, texts: Texts) -> Widget:
    """The ID card's photo, or words saying the reader gave none (a raw WLT cannot be drawn)."""
    kind = next((ext for magic, ext in PHOTO_FORMATS.items() if photo and photo.startswith(magic)), None)
    if kind is None:
        label = text(theme, texts.get("staff_photo_missing"), "small", colour=theme.palette.muted_text,
                     halign="center", grow=False)
        fill(label, theme.palette.surface, border=theme.palette.secondary_border)
        return label
    texture = CoreImage(io.BytesIO(photo), ext=kind).texture
    return Image(texture=texture, fit_mode="contain")


def _rows(theme: Theme, rows: list[tuple[str, str]]) -> GridLayout:
    grid = GridLayout(cols=2, spacing=(theme.space("gap") * 2, theme.space("gap")), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for name, value in rows:
        grid.add_widget(text(theme, name, "body", colour=theme.palette.muted_text, size_hint_x=0.35))
        grid.add_widget(text(theme, value, "body", bold=True, size_hint_x=0.65))
    return grid


def _staff_decide(screen: Screen, texts: Texts, post: Post, theme: Theme) -> Widget:
    data: dict[str, Any] = dict(screen.data)
    customer = data.get("customer") or {}
    rows = [(texts.field("reason"), texts.value("reason", data.get("reason", "")))]
    rows += [(texts.field(key), str(customer[key])) for key in ("name", "id_number") if customer.get(key)]
    if data.get("age") is not None:
        rows.append((texts.field("age"), texts.format("age_years", age=data["age"])))
    if data.get("path"):
        rows.append((texts.field("path"), texts.value("path", data["path"])))
    details = BoxLayout(orientation="vertical", spacing=theme.space("gap"))
    details.add_widget(text(theme, texts.get("manager_check"), "heading", bold=True))
    details.add_widget(_rows(theme, rows))
    details.add_widget(Widget())
    photo = photo_widget(data.get("photo"), theme, texts)
    box = BoxLayout(orientation="vertical" if theme.portrait else "horizontal", spacing=theme.space("gap") * 2)
    photo.size_hint = (1, 0.45) if theme.portrait else (0.3, 1)
    box.add_widget(photo)
    box.add_widget(details)
    return box


def _closed(screen: Screen, texts: Texts, post: Post, theme: Theme) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=theme.space("gap") * 2)
    box.add_widget(Widget())
    box.add_widget(text(theme, texts.get("closed_banner"), "huge", bold=True, halign="center"))
    box.add_widget(text(theme, texts.get("closed_hint"), "body", halign="center", colour=theme.palette.muted_text))
    box.add_widget(Widget())
    return box


BODIES: dict[str, Callable[[Screen, Texts, Post, Theme], Widget]] = {
    "staff_needed": _staff_needed, "staff_decide": _staff_decide, "closed": _closed,
}


def body(screen: Screen, texts: Texts, post: Post, theme: Theme) -> Widget:
    """The body of a staff step (`view_bodies` calls this for the step ids in BODIES)."""
    return BODIES[screen.step_id](screen, texts, post, theme)
