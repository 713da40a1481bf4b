"""The signature area: white paper, a thick dark stroke, a baseline and a "sign here" hint, and a reset.

Strokes are recorded in the pad's own coordinates (what gets signed); the hint disappears at the first touch.
"""

from __future__ import annotations

from kivy.graphics import Color, Line, Rectangle
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import Theme


class SignaturePad(Widget):
    """Collects the customer's strokes as point lists; `strokes` is what gets signed."""

    def __init__(self, theme: Theme, hint: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.theme = theme
        self.strokes: list[list[float]] = []
        self.stroke_width = max(3.0, theme.px(7))
        with self.canvas.before:
            Color(*theme.palette.paper)
            self._paper = Rectangle()
            Color(*theme.palette.secondary_border)
            self._frame = Line(width=max(1.5, theme.px(3)))
            Color(*theme.palette.track)
            self._baseline = Line(width=max(1.5, theme.px(3)), dash_length=8, dash_offset=6)
        self.hint = Label(text=hint, font_size=theme.font("heading"), color=(0.45, 0.45, 0.45, 1))
        self.add_widget(self.hint)
        self.bind(pos=self._layout, size=self._layout)

    def _layout(self, *_: object) -> None:
        self._paper.pos, self._paper.size = self.pos, self.size
        self._frame.rectangle = (self.x, self.y, self.width, self.height)
        base_y = self.y + self.height * 0.28
        self._baseline.points = [self.x + self.width * 0.08, base_y, self.right - self.width * 0.08, base_y]
        self.hint.center = self.center

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        self.hint.opacity = 0
        with self.canvas:
            Color(*self.theme.palette.ink)
            touch.ud["line"] = Line(points=list(touch.pos), width=self.stroke_width, cap="round", joint="round")
        self.strokes.append(list(touch.pos))
        return True

    def on_touch_move(self, touch) -> bool:
        if "line" in touch.ud and self.collide_point(*touch.pos):
            touch.ud["line"].points += list(touch.pos)
            self.strokes[-1].extend(touch.pos)
            return True
        return False

    def clear(self) -> None:
        """Sign again: strokes and ink gone, the hint back."""
        self.strokes.clear()
        self.canvas.clear()
        self.hint.opacity = 1
