"""The design system's building blocks: themed text, buttons with a hierarchy, and filled panels.

One primary button per screen (filled in the bank's colour, bottom right), secondary buttons outlined in grey,
danger buttons outlined in red with red words; every button is at least the theme's target height. Buttons
stay Kivy `Button`s (text + trigger_action), so tests and the rendered-screen checks find them by their text.
"""

from __future__ import annotations

from typing import Any

from kivy.graphics import Color, Line, Rectangle, RoundedRectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import RGBA, Theme

KINDS = ("primary", "secondary", "danger", "quiet", "on_bar", "selected")


def fill(widget: Widget, colour: RGBA, *, radius: float = 0.0, border: RGBA | None = None,
         border_width: float = 1.5) -> None:
    """Paint a widget's background (and border) that follows its position and size."""
    with widget.canvas.before:
        Color(*colour)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()
        if border is not None:
            Color(*border)
            outline = Line(width=border_width)

    def follow(*_: object) -> None:
        shape.pos, shape.size = widget.pos, widget.size
        if border is not None:
            outline.rounded_rectangle = (widget.x, widget.y, widget.width, widget.height, radius or 1)

    widget.bind(pos=follow, size=follow)
    follow()


def text(theme: Theme, value: str, role: str = "body", *, colour: RGBA | None = None, bold: bool = False,
         halign: str = "left", grow: bool = True, **kwargs: Any) -> Label:
    """A wrapping label; with `grow` its height follows its text, so nothing is clipped at large text."""
    label = Label(text=value, font_size=theme.font(role), color=colour or theme.palette.text, bold=bold,
                  halign=halign, valign="middle", **kwargs)
    if grow:
        label.size_hint_y = None
        label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)),
                   texture_size=lambda w, size: setattr(w, "height", max(size[1], theme.font(role) * 1.3)))
    else:
        label.bind(size=lambda w, size: setattr(w, "text_size", size))
    return label


class ThemedButton(Button):
    """A button of one kind (primary, secondary, danger, quiet) drawn from the theme's tokens."""

    def __init__(self, theme: Theme, kind: str = "secondary", *, fit_text: bool = False, **kwargs: Any) -> None:
        if kind not in KINDS:
            raise ValueError(f"button kind {kind!r} is not one of {KINDS}")
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", theme.space("target"))
        kwargs.setdefault("font_size", theme.font("button"))
        kwargs.setdefault("bold", kind == "primary")
        kwargs.setdefault("halign", "center")
        super().__init__(background_normal="", background_down="", background_disabled_normal="",
                         background_color=(0, 0, 0, 0), valign="middle", **kwargs)
        self.kind, self.theme = kind, theme
        if fit_text:  # one line, the button grows to its words (action buttons at large text)
            minimum = kwargs.get("width", 0)
            self.bind(texture_size=lambda w, size: setattr(w, "width", max(minimum, size[0] + 2 * theme.px(28))))
        else:
            self.bind(size=lambda w, size: setattr(w, "text_size", (size[0] - 2 * theme.px(28), None)))
        with self.canvas.before:
            self._fill_colour = Color()
            self._shape = RoundedRectangle(radius=[theme.space("radius")])
            self._line_colour = Color()
            self._outline = Line(width=max(1.5, theme.px(3)))
        self.bind(pos=self._redraw, size=self._redraw, state=self._redraw, disabled=self._redraw)
        self._redraw()

    def _colours(self) -> tuple[RGBA, RGBA, RGBA]:
        p = self.theme.palette
        if self.disabled:
            return p.disabled, p.on_disabled, p.disabled
        if self.kind == "primary":
            return p.primary, p.on_primary, p.primary
        if self.kind == "danger":  # outlined in red: never mistaken for a (possibly red) bank's primary button
            return p.surface, p.danger, p.danger
        if self.kind == "selected":
            return p.selected, p.on_selected, p.success if not self.theme.high_contrast else p.on_selected
        if self.kind == "on_bar":
            return p.top_bar, p.on_top_bar, p.on_top_bar
        if self.kind == "quiet":
            return p.background, p.secondary_text, p.background
        return p.surface, p.secondary_text, p.secondary_border

    def _redraw(self, *_: object) -> None:
        background, foreground, border = self._colours()
        pressed = self.state == "down"
        self._fill_colour.rgba = (*(c * 0.85 for c in background[:3]), 1) if pressed else background
        self._line_colour.rgba = border
        self.color = foreground
        self._shape.pos, self._shape.size = self.pos, self.size
        radius = self.theme.space("radius")
        self._outline.rounded_rectangle = (self.x, self.y, self.width, self.height, radius)



def action_row(theme: Theme, left: list[Widget], right: list[Widget]) -> BoxLayout:
    """Quieter actions bottom-left, the primary action bottom-right, a gap between (≥ 8 px)."""
    row = BoxLayout(size_hint_y=None, height=theme.space("target"), spacing=theme.space("gap"))
    for widget in left:
        row.add_widget(widget)
    row.add_widget(Widget())
    for widget in right:
        row.add_widget(widget)
    return row
