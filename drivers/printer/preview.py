"""A PNG picture of a receipt, for the lobby manager's reprint view (drawn from the same `Receipt` as the print).

The font is found at run time (Debian `fonts-wqy-microhei`); without it Chinese would draw as boxes, so a
missing font is an error unless the caller passes another path.
"""

from __future__ import annotations

import io
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from drivers.printer.template import Feed, QrCode, Receipt, Rule, TextLine

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PAPER_WIDTH_PX = 576  # 80 mm paper at 203 dpi (72 mm printable)
FONT_PX = 24
MARGIN = 8


def _qr_image(data: str, module_px: int) -> Image.Image:
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    view = memoryview(code.to_image(scale=module_px))
    return Image.frombytes("L", (view.shape[1], view.shape[0]), view.tobytes())


def _x(align: str, width: int) -> int:
    free = PAPER_WIDTH_PX - 2 * MARGIN - width
    return MARGIN + {"left": 0, "center": free // 2, "right": free}.get(align, 0)


def _blocks(receipt: Receipt, font: ImageFont.FreeTypeFont, big: ImageFont.FreeTypeFont) -> list:
    """(kind, payload, align, height) per element, measured before drawing."""
    blocks = []
    for element in receipt.elements:
        if isinstance(element, TextLine):
            f = big if element.double else font
            blocks.append(("text", element, element.align, f.size + 8))
        elif isinstance(element, QrCode):
            image = _qr_image(element.data, max(2, element.size // 2 + 1))
            blocks.append(("image", image, element.align, image.height + 8))
        elif isinstance(element, Rule):
            blocks.append(("rule", None, "left", 12))
        elif isinstance(element, Feed):
            blocks.append(("feed", None, "left", element.lines * (FONT_PX + 8)))
    return blocks


def render_png(receipt: Receipt, font_path: Path = DEFAULT_FONT) -> bytes:
    """PNG bytes of the receipt, white paper and black ink, 576 px wide.

    Raises FileNotFoundError if the font is missing.
    """
    if not font_path.exists():
        raise FileNotFoundError(f"receipt font not found: {font_path}")
    font = ImageFont.truetype(str(font_path), FONT_PX)
    big = ImageFont.truetype(str(font_path), FONT_PX * 2)
    blocks = _blocks(receipt, font, big)
    height = 2 * MARGIN + sum(b[3] for b in blocks)
    page = Image.new("L", (PAPER_WIDTH_PX, height), 255)
    draw = ImageDraw.Draw(page)
    y = MARGIN
    for kind, payload, align, h in blocks:
        if kind == "text":
            f = big if payload.double else font
            width = int(draw.textlength(payload.text, font=f))
            draw.text((_x(align, width), y), payload.text, font=f, fill=0,
                      stroke_width=1 if payload.bold else 0, stroke_fill=0)
        elif kind == "image":
            page.paste(payload, (_x(align, payload.width), y))
        elif kind == "rule":
            draw.line((MARGIN, y + 6, PAPER_WIDTH_PX - MARGIN, y + 6), fill=0, width=2)
        y += h
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()
