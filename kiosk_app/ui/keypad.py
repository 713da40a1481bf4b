"""An on-screen numeric keypad for a touch-only kiosk: staff id, PIN and card counts, typed with a finger.

Why not TextInput: a kiosk has no keyboard, and a TextInput rebuilt or refocused loses what was typed. The
typed digits live in `KeypadField.value` (a Kivy property), the field only displays them (a PIN as dots), and
the keypad writes into whichever field was touched last. Keys are real buttons at the theme's target size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from kiosk_app.ui.components import ThemedButton
from kiosk_app.ui.theme import Theme

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back")


class KeypadField(ThemedButton):
    """A field the keypad types into: its label, then the digits (dots for a secret); touch it to type there."""

    value = StringProperty("")
    label = StringProperty("")
    secret = BooleanProperty(False)
    max_length = NumericProperty(12)
    active = BooleanProperty(False)

    def __init__(self, theme: Theme, *, label: str, secret: bool = False, max_length: int = 12,
                 **kwargs: Any) -> None:
        super().__init__(theme, "secondary", **kwargs)
        self.halign = "left"
        self.label, self.secret, self.max_length = label, secret, max_length
        self.bind(value=self._show, label=self._show, active=self._show)
        self._show()

    def _show(self, *_: object) -> None:
        shown = "●" * len(self.value) if self.secret else self.value
        marker = "▍" if self.active else ""
        self.text = f"{self.label}：{shown}{marker}" if shown or marker else self.label
        self.kind = "primary" if self.active else "secondary"
        self._redraw()

    def type_key(self, key: str) -> None:
        if key == "clear":
            self.value = ""
        elif key == "back":
            self.value = self.value[:-1]
        elif key.isdigit() and len(self.value) < self.max_length:
            self.value += key


class NumericKeypad(GridLayout):
    """Digits 0-9, clear and delete in a 3×4 grid; writes into the active field of `fields`."""

    def __init__(self, theme: Theme, fields: Sequence[KeypadField], *, key_names: Callable[[str], str],
                 **kwargs: Any) -> None:
        gap = theme.space("gap")
        key_height = theme.space("target_min") * 1.05
        kwargs.setdefault("size_hint", (None, None))
        kwargs.setdefault("width", theme.px(400) * (1.25 if theme.large_text else 1.0))
        super().__init__(cols=3, spacing=gap, height=4 * key_height + 3 * gap, **kwargs)
        self.fields = list(fields)
        for key in KEYS:
            label = key if key.isdigit() else key_names(key)
            button = ThemedButton(theme, "secondary", text=label, height=key_height,
                                  font_size=theme.font("heading" if key.isdigit() else "small"))
            button.key = key
            button.bind(on_release=lambda b: self.press(b.key))
            self.add_widget(button)
        for field in self.fields:
            field.bind(on_release=lambda f: self.activate(f))
        if self.fields:
            self.activate(self.fields[0])

    @property
    def active(self) -> KeypadField | None:
        return next((f for f in self.fields if f.active), None)

    def activate(self, field: KeypadField) -> None:
        for other in self.fields:
            other.active = other is field

    def press(self, key: str) -> None:
        if self.active is not None:
            self.active.type_key(key)

    def key_button(self, key: str) -> ThemedButton:
        """The button of one key (tests touch it like a finger would)."""
        return next(b for b in self.children if getattr(b, "key", None) == key)
