"""Render a QR code into raw pixels a Kivy texture (or Pillow) can take, with zxing-cpp as the encoder.

Pure: no Kivy here (house rule), no I/O. The UI wraps `QrImage` in a texture:
``Texture.create(size=img.size, colorfmt=img.colorfmt); tex.blit_buffer(img.bottom_up(), colorfmt=...,
bufferfmt="ubyte")`` — Kivy's textures start at the bottom row, hence `bottom_up()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp

__all__ = ["EC_LEVELS", "QrImage", "qr_modules", "qr_version", "render_qr"]

EC_LEVELS = ("L", "M", "Q", "H")
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks for
Colour = tuple[int, int, int, int]


@dataclass(frozen=True)
class QrImage:
    """Pixels of a rendered code, rows top-down, `colorfmt` channels per pixel (8 bits each)."""

    width: int
    height: int
    pixels: bytes
    version: int
    colorfmt: str = "rgba"

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    def bottom_up(self) -> bytes:
        """The same pixels with the last row first, as `Texture.blit_buffer` expects."""
        channels = len(self.colorfmt)
        rows = np.frombuffer(self.pixels, dtype=np.uint8).reshape(self.height, self.width, channels)
        return rows[::-1].tobytes()

    def __repr__(self) -> str:  # the pixels may encode a personal link: never dump them
        return f"QrImage({self.width}x{self.height}, version={self.version}, {self.colorfmt})"


def qr_modules(text: str, ec_level: str = "M") -> np.ndarray:
    """The code's module matrix (True = dark), without quiet zone. Raises ValueError on a bad EC level."""
    if ec_level not in EC_LEVELS:
        raise ValueError(f"ec_level must be one of {EC_LEVELS}")
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    return np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) < 128


def qr_version(text: str, ec_level: str = "M") -> int:
    """The QR version (1..40) zxing-cpp picks for `text`: the symbol is 17 + 4 * version modules wide."""
    return (qr_modules(text, ec_level).shape[0] - 17) // 4


def render_qr(
    text: str,
    *,
    scale: int = 8,
    ec_level: str = "M",
    quiet_zone: int = QUIET_ZONE,
    dark: Colour = (0, 0, 0, 255),
    light: Colour = (255, 255, 255, 255),
    colorfmt: str = "rgba",
) -> QrImage:
    """Render `text` as a QR code, `scale` pixels per module, in `colorfmt` ("rgba", "rgb" or "luminance").

    Raises ValueError on a bad scale, quiet zone, EC level or colour format.
    """
    if scale < 1 or quiet_zone < 0:
        raise ValueError("scale must be >= 1 and quiet_zone >= 0")
    palette = _palette(colorfmt, dark, light)
    modules = np.pad(qr_modules(text, ec_level), quiet_zone, constant_values=False)
    big = np.repeat(np.repeat(modules, scale, axis=0), scale, axis=1)
    pixels = palette[big.astype(np.uint8)]
    height, width = big.shape
    return QrImage(width, height, pixels.tobytes(), (modules.shape[0] - 2 * quiet_zone - 17) // 4, colorfmt)


def _palette(colorfmt: str, dark: Colour, light: Colour) -> np.ndarray:
    """Row 0 = light, row 1 = dark, in the channels of `colorfmt`."""
    if colorfmt == "rgba":
        rows = [light, dark]
    elif colorfmt == "rgb":
        rows = [light[:3], dark[:3]]
    elif colorfmt == "luminance":
        rows = [(_luma(light),), (_luma(dark),)]
    else:
        raise ValueError("colorfmt must be rgba, rgb or luminance")
    return np.array(rows, dtype=np.uint8)


def _luma(colour: Colour) -> int:
    red, green, blue = colour[:3]
    return round(0.299 * red + 0.587 * green + 0.114 * blue)
