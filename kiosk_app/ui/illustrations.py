"""Pictures for the device steps: where the ID card goes, where to hold the QR code, where the card comes out,
how to shield the PIN pad. Drawn with canvas instructions in the theme's colours (no third-party art).

Each drawing uses a 4:3 box of unit coordinates (0..1 across, 0..0.75 up) scaled to the widget, so one
picture serves a landscape and a portrait panel. The part the customer must find is in the bank's colour.
"""

from __future__ import annotations

from collections.abc import Callable

from kivy.graphics import Color, Ellipse, Line, PopMatrix, PushMatrix, Rectangle, Rotate, RoundedRectangle, Triangle
from kivy.uix.widget import Widget

from kiosk_app.ui.theme import Theme

ASPECT = 0.75


class Illustration(Widget):
    """One device step's picture, redrawn in place when the widget is laid out."""

    def __init__(self, theme: Theme, name: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.theme, self.name = theme, name
        self.bind(pos=self._redraw, size=self._redraw)

    def _redraw(self, *_: object) -> None:
        self.canvas.clear()
        width = min(self.width, self.height / ASPECT)
        x0 = self.x + (self.width - width) / 2
        y0 = self.y + (self.height - width * ASPECT) / 2
        pen = _Pen(self.theme, x0, y0, width)
        with self.canvas:
            ILLUSTRATIONS[self.name](pen)


class _Pen:
    """Unit coordinates -> window pixels, with the theme's ink, highlight and line width."""

    def __init__(self, theme: Theme, x: float, y: float, size: float) -> None:
        self.p, self.x, self.y, self.s = theme.palette, x, y, size
        self.w = max(2.0, size / 160)

    def at(self, *points: float) -> list[float]:
        return [self.x + v * self.s if i % 2 == 0 else self.y + v * self.s for i, v in enumerate(points)]

    def ink(self) -> None:
        Color(*self.p.text)

    def brand(self) -> None:
        Color(*self.p.primary)

    def soft(self) -> None:
        Color(*self.p.track)

    def box(self, x: float, y: float, w: float, h: float, r: float = 0.02, filled: bool = False) -> None:
        px, py = self.at(x, y)
        if filled:
            RoundedRectangle(pos=(px, py), size=(w * self.s, h * self.s), radius=[r * self.s])
        else:
            Line(rounded_rectangle=(px, py, w * self.s, h * self.s, max(1, r * self.s)), width=self.w)

    def line(self, *points: float, width: float = 1.0) -> None:
        Line(points=self.at(*points), width=self.w * width, cap="round", joint="round")

    def arrow(self, x: float, y1: float, y2: float) -> None:
        """A thick arrow from (x, y1) to (x, y2), head at y2."""
        head = 0.04 if y2 < y1 else -0.04
        self.line(x, y1, x, y2 + head, width=2.5)
        Triangle(points=self.at(x - 0.045, y2 + head, x + 0.045, y2 + head, x, y2))


def _kiosk_front(pen: _Pen) -> None:
    """The kiosk's lower front as the customer sees it: the reader shelf, a slot, the pad."""
    pen.soft()
    pen.box(0.08, 0.02, 0.84, 0.70, r=0.03, filled=True)
    pen.ink()
    pen.box(0.08, 0.02, 0.84, 0.70, r=0.03)


def _id_card(pen: _Pen) -> None:
    _kiosk_front(pen)
    pen.brand()
    pen.box(0.28, 0.06, 0.44, 0.22, r=0.02, filled=True)   # the reader area, in the bank's colour
    Color(*pen.p.surface)
    pen.box(0.34, 0.40, 0.32, 0.20, r=0.02, filled=True)   # the card, above the area
    pen.ink()
    pen.box(0.34, 0.40, 0.32, 0.20, r=0.02)
    Ellipse(pos=pen.at(0.38, 0.46), size=(0.07 * pen.s, 0.09 * pen.s))
    for dy in (0.52, 0.48, 0.44):
        pen.line(0.48, dy, 0.62, dy)
    pen.brand()
    pen.arrow(0.80, 0.56, 0.22)


def _qr_scanner(pen: _Pen) -> None:
    _kiosk_front(pen)
    pen.brand()
    pen.box(0.30, 0.06, 0.40, 0.10, r=0.02, filled=True)   # the scanner window
    Color(*pen.p.primary[:3], 0.25)
    Triangle(points=pen.at(0.32, 0.16, 0.68, 0.16, 0.50, 0.34))  # its light
    Color(*pen.p.surface)
    pen.box(0.38, 0.34, 0.24, 0.36, r=0.03, filled=True)   # a phone held above it, screen down
    pen.ink()
    pen.box(0.38, 0.34, 0.24, 0.36, r=0.03)
    for dx, dy in ((0.42, 0.54), (0.52, 0.54), (0.42, 0.42)):
        pen.box(dx, dy, 0.06, 0.06, r=0.005)
    Rectangle(pos=pen.at(0.53, 0.44), size=(0.04 * pen.s, 0.04 * pen.s))
    pen.brand()
    pen.arrow(0.80, 0.60, 0.22)


def _card_out(pen: _Pen) -> None:
    _kiosk_front(pen)
    pen.ink()
    pen.box(0.26, 0.40, 0.48, 0.06, r=0.01, filled=True)   # the card slot
    pen.brand()
    pen.box(0.34, 0.18, 0.32, 0.24, r=0.02, filled=True)   # the card coming out, in the bank's colour
    Color(*pen.p.on_primary)
    pen.box(0.38, 0.28, 0.07, 0.06, r=0.005, filled=True)  # its chip
    pen.brand()
    pen.arrow(0.82, 0.40, 0.10)


def _hand(pen: _Pen, x: float, y: float) -> None:
    """A flat hand seen from above, fingers to the left, held over the keys like a roof."""
    Color(*pen.p.primary[:3], 0.88)
    PushMatrix()
    Rotate(angle=-12, origin=pen.at(x, y))
    RoundedRectangle(pos=pen.at(x, y - 0.09), size=(0.22 * pen.s, 0.18 * pen.s), radius=[0.05 * pen.s])  # palm
    for index, length in enumerate((0.13, 0.16, 0.15, 0.12)):  # four fingers
        RoundedRectangle(pos=pen.at(x - length + 0.03, y + 0.045 - index * 0.045),
                         size=(length * pen.s, 0.038 * pen.s), radius=[0.018 * pen.s])
    RoundedRectangle(pos=pen.at(x + 0.02, y + 0.06), size=(0.05 * pen.s, 0.10 * pen.s),
                     radius=[0.02 * pen.s])  # thumb
    PopMatrix()


def _pin_pad(pen: _Pen) -> None:
    _kiosk_front(pen)
    Color(*pen.p.surface)
    pen.box(0.30, 0.06, 0.40, 0.46, r=0.02, filled=True)
    pen.ink()
    pen.box(0.30, 0.06, 0.40, 0.46, r=0.02)
    for row in range(4):
        for col in range(3):
            pen.box(0.34 + col * 0.12, 0.10 + row * 0.10, 0.08, 0.07, r=0.01)
    _hand(pen, 0.50, 0.38)


def _phone_form(pen: _Pen) -> None:
    Color(*pen.p.surface)
    pen.box(0.36, 0.02, 0.28, 0.70, r=0.04, filled=True)
    pen.ink()
    pen.box(0.36, 0.02, 0.28, 0.70, r=0.04)
    for dy in (0.56, 0.46, 0.36, 0.26):
        pen.soft()
        pen.box(0.40, dy, 0.20, 0.06, r=0.01, filled=True)
    pen.brand()
    pen.box(0.40, 0.10, 0.20, 0.08, r=0.02, filled=True)


def _receipt(pen: _Pen) -> None:
    _kiosk_front(pen)
    pen.ink()
    pen.box(0.26, 0.54, 0.48, 0.05, r=0.01, filled=True)
    Color(*pen.p.surface)
    pen.box(0.34, 0.16, 0.32, 0.40, r=0.005, filled=True)
    pen.ink()
    pen.box(0.34, 0.16, 0.32, 0.40, r=0.005)
    for dy in (0.46, 0.40, 0.34, 0.28):
        pen.line(0.38, dy, 0.62, dy)
    pen.brand()
    pen.arrow(0.82, 0.50, 0.18)


def _face(pen: _Pen) -> None:
    """The kiosk's camera above the screen and a face in front of it."""
    _kiosk_front(pen)
    pen.brand()
    Ellipse(pos=pen.at(0.46, 0.62), size=(0.08 * pen.s, 0.08 * pen.s))   # the camera, in the bank's colour
    Color(*pen.p.primary[:3], 0.25)
    Triangle(points=pen.at(0.50, 0.63, 0.28, 0.20, 0.72, 0.20))
    Color(*pen.p.surface)
    Ellipse(pos=pen.at(0.38, 0.14), size=(0.24 * pen.s, 0.32 * pen.s))
    pen.ink()
    Line(ellipse=(*pen.at(0.38, 0.14), 0.24 * pen.s, 0.32 * pen.s), width=pen.w)
    for dx in (0.445, 0.535):
        Ellipse(pos=pen.at(dx, 0.32), size=(0.025 * pen.s, 0.025 * pen.s))
    pen.line(0.46, 0.22, 0.50, 0.20, 0.54, 0.22)


ILLUSTRATIONS: dict[str, Callable[[_Pen], None]] = {
    "id_card": _id_card, "qr_scanner": _qr_scanner, "card_out": _card_out, "pin_pad": _pin_pad,
    "phone_form": _phone_form, "receipt": _receipt, "face": _face,
}

# Which picture a step shows (steps not listed have none).
STEP_ILLUSTRATION = {
    "idle": "qr_scanner", "await_id_card": "id_card", "dispensing": "card_out", "presenting": "card_out",
    "take_card": "card_out",
    "setting_pin": "pin_pad", "pin_first": "pin_pad", "pin_confirm": "pin_pad", "pin_weakPin": "pin_pad",
    "pin_pinMismatch": "pin_pad", "login_first": "pin_pad", "login_confirm": "pin_pad", "login_weakPin": "pin_pad",
    "login_pinMismatch": "pin_pad", "printing": "receipt", "thank_you": "receipt", "face_consent": "face",
}
