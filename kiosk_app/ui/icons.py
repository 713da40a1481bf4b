"""Service icons and the check mark, drawn with Kivy canvas instructions in the theme's colours.

Drawn, not downloaded: no third-party art to license, every bank's colour applies, and high contrast works.
Each drawing works in a unit square (0..1) scaled to the widget, so one icon serves every size.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import RGBA, Theme

Draw = Callable[["Icon", float, float, float], None]


class Icon(Widget):
    """A square icon; `draw(icon, x, y, size)` adds its instructions, redone when the widget moves."""

    def __init__(self, theme: Theme, name: str, colour: RGBA | None = None, size: float = 88, **kwargs) -> None:
        super().__init__(size_hint=(None, None), size=(theme.px(size), theme.px(size)), **kwargs)
        self.theme, self.name = theme, name
        self.colour = colour or theme.palette.primary
        self.line_width = max(1.5, theme.px(size) / 18)
        self.bind(pos=self._redraw, size=self._redraw)
        self._redraw()

    def _redraw(self, *_: object) -> None:
        self.canvas.clear()
        side = min(self.width, self.height)
        with self.canvas:
            Color(*self.colour)
            DRAWINGS.get(self.name, _dot)(self, self.x, self.y, side)

    def line(self, *points: float, close: bool = False) -> Line:
        return Line(points=list(points), width=self.line_width, close=close, cap="round", joint="round")


def _phone(icon: Icon, x: float, y: float, s: float) -> None:
    Line(rounded_rectangle=(x + s * 0.28, y + s * 0.06, s * 0.44, s * 0.88, s * 0.08), width=icon.line_width)
    Ellipse(pos=(x + s * 0.46, y + s * 0.12), size=(s * 0.08, s * 0.08))
    icon.line(x + s * 0.42, y + s * 0.84, x + s * 0.58, y + s * 0.84)


def _monitor(icon: Icon, x: float, y: float, s: float) -> None:
    Line(rounded_rectangle=(x + s * 0.08, y + s * 0.30, s * 0.84, s * 0.58, s * 0.05), width=icon.line_width)
    icon.line(x + s * 0.5, y + s * 0.30, x + s * 0.5, y + s * 0.14)
    icon.line(x + s * 0.30, y + s * 0.12, x + s * 0.70, y + s * 0.12)


def _card(icon: Icon, x: float, y: float, s: float) -> None:
    Line(rounded_rectangle=(x + s * 0.06, y + s * 0.20, s * 0.88, s * 0.60, s * 0.07), width=icon.line_width)
    Rectangle(pos=(x + s * 0.06, y + s * 0.58), size=(s * 0.88, s * 0.10))
    RoundedRectangle(pos=(x + s * 0.16, y + s * 0.30), size=(s * 0.18, s * 0.14), radius=[s * 0.02])


def _chat(icon: Icon, x: float, y: float, s: float) -> None:
    Line(ellipse=(x + s * 0.04, y + s * 0.36, s * 0.58, s * 0.48), width=icon.line_width)
    icon.line(x + s * 0.16, y + s * 0.42, x + s * 0.10, y + s * 0.30, x + s * 0.28, y + s * 0.38)
    Line(ellipse=(x + s * 0.44, y + s * 0.12, s * 0.52, s * 0.42), width=icon.line_width)
    for dx in (0.60, 0.76):
        Ellipse(pos=(x + s * dx, y + s * 0.30), size=(s * 0.07, s * 0.07))


def _follow(icon: Icon, x: float, y: float, s: float) -> None:
    for dx, dy in ((0.08, 0.56), (0.56, 0.56), (0.08, 0.08)):
        Line(rectangle=(x + s * dx, y + s * dy, s * 0.36, s * 0.36), width=icon.line_width)
        Rectangle(pos=(x + s * (dx + 0.11), y + s * (dy + 0.11)), size=(s * 0.14, s * 0.14))
    for dx, dy in ((0.58, 0.10), (0.80, 0.10), (0.69, 0.22), (0.58, 0.34), (0.80, 0.34)):
        Rectangle(pos=(x + s * dx, y + s * dy), size=(s * 0.12, s * 0.12))


def _check(icon: Icon, x: float, y: float, s: float) -> None:
    Ellipse(pos=(x, y), size=(s, s))
    Color(*icon.theme.palette.on_primary if icon.colour != icon.theme.palette.on_primary else (0, 0, 0, 1))
    Line(points=[x + s * 0.25, y + s * 0.50, x + s * 0.43, y + s * 0.32, x + s * 0.76, y + s * 0.68],
         width=max(2.0, s / 10), cap="round", joint="round")


def _empty_box(icon: Icon, x: float, y: float, s: float) -> None:
    Line(ellipse=(x + s * 0.04, y + s * 0.04, s * 0.92, s * 0.92), width=icon.line_width)


def _dot(icon: Icon, x: float, y: float, s: float) -> None:
    Ellipse(pos=(x + s * 0.3, y + s * 0.3), size=(s * 0.4, s * 0.4))


def _speaker_body(icon: Icon, x: float, y: float, s: float) -> None:
    icon.line(x + s * 0.10, y + s * 0.38, x + s * 0.28, y + s * 0.38, x + s * 0.52, y + s * 0.16,
              x + s * 0.52, y + s * 0.84, x + s * 0.28, y + s * 0.62, x + s * 0.10, y + s * 0.62, close=True)


def _speaker(waves: int) -> Draw:
    """A speaker with 1..3 sound waves (the volume step), or crossed out (silent)."""
    def draw(icon: Icon, x: float, y: float, s: float) -> None:
        _speaker_body(icon, x, y, s)
        if waves == 0:
            icon.line(x + s * 0.66, y + s * 0.36, x + s * 0.90, y + s * 0.64)
            icon.line(x + s * 0.66, y + s * 0.64, x + s * 0.90, y + s * 0.36)
        for wave in range(waves):
            Line(circle=(x + s * 0.52, y + s * 0.5, s * (0.16 + 0.13 * wave), 50, 130), width=icon.line_width)

    return draw


DRAWINGS: dict[str, Draw] = {
    "mobile_banking": _phone, "online_banking": _monitor, "credit_card": _card, "wechat_pay": _chat,
    "official_account": _follow, "debit_card": _card, "check": _check, "unchecked": _empty_box,
    "speaker_0": _speaker(0), "speaker_1": _speaker(1), "speaker_2": _speaker(2), "speaker_3": _speaker(3),
}
