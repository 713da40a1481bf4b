"""Render a QR code into raw pixels a Kivy texture (or Pillow) can take, with zxing-cpp as the encoder.

Pure: no Kivy here (house rule), no I/O, and no numpy: Pillow scales and colours the modules, so the kiosk
bundle ships without numpy and its OpenBLAS (42 MB). The UI wraps `QrImage` in a texture:
``Texture.create(size=img.size, colorfmt=img.colorfmt); tex.blit_buffer(img.bottom_up(), colorfmt=...,
bufferfmt="ubyte")`` — Kivy's textures start at the bottom row, hence `bottom_up()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import zxingcpp
from PIL import Image, ImageOps

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
        stride = self.width * len(self.colorfmt)
        return b"".join(self.pixels[row * stride:(row + 1) * stride] for row in range(self.height - 1, -1, -1))

    def __repr__(self) -> str:  # the pixels may encode a personal link: never dump them
        return f"QrImage({self.width}x{self.height}, version={self.version}, {self.colorfmt})"


def _module_image(text: str, ec_level: str) -> Image.Image:
    """The code's modules as an 8-bit image, one pixel per module (0 = dark), without quiet zone."""
    if ec_level not in EC_LEVELS:
        raise ValueError(f"ec_level must be one of {EC_LEVELS}")
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    view = memoryview(barcode.to_image(scale=1, add_quiet_zones=False))
    height, width = view.shape
    return Image.frombytes("L", (width, height), view.tobytes())


def qr_modules(text: str, ec_level: str = "M") -> list[list[bool]]:
    """The code's module matrix, rows top-down (True = dark), without quiet zone.

    Raises ValueError on a bad EC level.
    """
    image = _module_image(text, ec_level)
    values = image.tobytes()
    return [[v < 128 for v in values[row * image.width:(row + 1) * image.width]] for row in range(image.height)]


def qr_version(text: str, ec_level: str = "M") -> int:
    """The QR version (1..40) zxing-cpp picks for `text`: the symbol is 17 + 4 * version modules wide."""
    return (_module_image(text, ec_level).height - 17) // 4


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
    channels = _channels(colorfmt, dark, light)
    modules = _module_image(text, ec_level)
    version = (modules.height - 17) // 4
    framed = ImageOps.expand(modules, border=quiet_zone, fill=255)
    big = framed.resize((framed.width * scale, framed.height * scale), Image.Resampling.NEAREST)
    bands = [big.point(lambda v, d=d, li=li: d if v < 128 else li) for d, li in channels]
    image = bands[0] if len(bands) == 1 else Image.merge("RGBA" if len(bands) == 4 else "RGB", bands)
    return QrImage(big.width, big.height, image.tobytes(), version, colorfmt)


def _channels(colorfmt: str, dark: Colour, light: Colour) -> list[tuple[int, int]]:
    """(dark, light) value per channel of `colorfmt`."""
    if colorfmt == "rgba":
        return list(zip(dark, light, strict=True))
    if colorfmt == "rgb":
        return list(zip(dark[:3], light[:3], strict=True))
    if colorfmt == "luminance":
        return [(_luma(dark), _luma(light))]
    raise ValueError("colorfmt must be rgba, rgb or luminance")


def _luma(colour: Colour) -> int:
    red, green, blue = colour[:3]
    return round(0.299 * red + 0.587 * green + 0.114 * blue)
