"""A QR code drawn from zxing-cpp pixels (buttons are in components.py, the signature pad in signature.py)."""

from __future__ import annotations

from kivy.graphics.texture import Texture
from kivy.uix.image import Image

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
