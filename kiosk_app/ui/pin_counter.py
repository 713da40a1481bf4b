"""How many PIN digits the pad has taken (●●●○○○): counts only, fed by the pad's key events; digits never."""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import NumericProperty
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import Theme


class PinCounter(Widget):
    """`length` circles, the first `digits` of them filled; updated in place as keys arrive."""

    digits = NumericProperty(0)

    def __init__(self, theme: Theme, length: int = 6, digits: int = 0, **kwargs) -> None:
        dot = theme.px(56)
        gap = theme.px(28)
        super().__init__(size_hint=(None, None), size=(length * dot + (length - 1) * gap, dot), **kwargs)
        self.theme, self.length, self._dot, self._gap = theme, length, dot, gap
        self.bind(pos=self._redraw, size=self._redraw, digits=self._redraw)
        self.digits = digits
        self._redraw()

    def _redraw(self, *_: object) -> None:
        self.canvas.clear()
        with self.canvas:
            for index in range(self.length):
                x = self.x + index * (self._dot + self._gap)
                if index < self.digits:
                    Color(*self.theme.palette.text)
                    Ellipse(pos=(x, self.y), size=(self._dot, self._dot))
                else:
                    Color(*self.theme.palette.muted_text)
                    Line(ellipse=(x + 2, self.y + 2, self._dot - 4, self._dot - 4), width=max(1.5, self.theme.px(4)))

    @property
    def text(self) -> str:
        """The counter as characters (●●●○○○), for tests and the rendered-screen checks."""
        return "●" * int(self.digits) + "○" * (self.length - int(self.digits))
