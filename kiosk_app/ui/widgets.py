"""Kiosk widgets: a QR code from zxing-cpp pixels, a signature pad that records strokes, big buttons."""

from __future__ import annotations

from kivy.graphics import Color, Line
from kivy.graphics.texture import Texture
from kivy.uix.button import Button
from kivy.uix.image import Image
from kivy.uix.widget import Widget

from drivers.qr_render import render_qr


class QrCode(Image):
    """A QR code as a texture; nearest-neighbour scaling keeps modules sharp on any screen size."""

    def __init__(self, text: str, **kwargs) -> None:
        super().__init__(**kwargs)
        img = render_qr(text, scale=6)
        texture = Texture.create(size=img.size, colorfmt=img.colorfmt)
        texture.blit_buffer(img.bottom_up(), colorfmt=img.colorfmt, bufferfmt="ubyte")
        texture.mag_filter = "nearest"
        self.texture = texture
        self.fit_mode = "contain"


class SignaturePad(Widget):
    """Collects the customer's strokes as point lists (kiosk coordinates); `strokes` is what gets signed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.strokes: list[list[float]] = []
        with self.canvas.before:
            Color(1, 1, 1, 1)
        self.bind(pos=self._frame, size=self._frame)

    def _frame(self, *_: object) -> None:
        self.canvas.after.clear()
        with self.canvas.after:
            Color(0.6, 0.6, 0.6, 1)
            Line(rectangle=(self.x, self.y, self.width, self.height), width=1.5)

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        with self.canvas:
            Color(0.1, 0.1, 0.4, 1)
            touch.ud["line"] = Line(points=list(touch.pos), width=2)
        self.strokes.append(list(touch.pos))
        return True

    def on_touch_move(self, touch) -> bool:
        if "line" in touch.ud and self.collide_point(*touch.pos):
            touch.ud["line"].points += list(touch.pos)
            self.strokes[-1].extend(touch.pos)
            return True
        return False

    def clear(self) -> None:
        self.strokes.clear()
        self.canvas.clear()


class BigButton(Button):
    """Touch targets at least 64 px high: gloves, elderly customers, a kiosk at arm's length."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", 72)
        kwargs.setdefault("font_size", 24)
        super().__init__(**kwargs)
