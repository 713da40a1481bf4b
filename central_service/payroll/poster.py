"""The batch QR poster (PNG and PDF) an agent prints for the employees' notice board.

The QR holds a link that a phone opens (the employee form) and that a kiosk reads as the batch token: the link
is upper case so every character is in QR's alphanumeric set (the host and scheme are case-blind; the route
`/P/{token}` is upper case), which keeps the code small enough to scan from a printed page.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # Debian fonts-noto-cjk
FONT_SC_INDEX = 2  # Simplified Chinese face of the collection
A4 = (1240, 1754)  # 150 dpi


def poster_link(base_url: str, token: str) -> str:
    """What the QR holds: ``HTTPS://HOST/P/BKQ:...`` (alphanumeric-mode characters only)."""
    return f"{base_url.rstrip('/').upper()}/P/{token}"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if FONT.exists():
        return ImageFont.truetype(str(FONT), size, index=FONT_SC_INDEX)
    return ImageFont.load_default(size)


def poster_image(link: str, *, bank: str, company: str, batch: str, deadline: str, lines: list[str]) -> Image.Image:
    """An A4 portrait page: the bank's name, the company and batch, the QR code, and what to do."""
    page = Image.new("RGB", A4, "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, A4[0], 150), fill=(176, 28, 46))
    draw.text((80, 40), bank, font=_font(64), fill="white")
    draw.text((80, 200), company, font=_font(52), fill="black")
    draw.text((80, 280), batch, font=_font(44), fill=(60, 60, 60))
    qr = zxingcpp.create_barcode(link, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = Image.fromarray(qr.to_image(scale=1)).convert("L")
    side = 760
    page.paste(image.resize((side, side), Image.NEAREST), ((A4[0] - side) // 2, 380))
    y = 380 + side + 60
    for text in [deadline, *lines]:
        draw.text((80, y), text, font=_font(38), fill="black")
        y += 64
    return page


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code of `text` as a PNG (quiet zone included)."""
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return png_bytes(Image.fromarray(code.to_image(scale=scale, add_quiet_zones=True)))


def qr_data_url(text: str) -> str:
    """The QR as a `data:` URL, for a page that shows it once and must not serve it again (the TOTP key)."""
    return "data:image/png;base64," + base64.b64encode(qr_png(text)).decode("ascii")


def png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def pdf_bytes(image: Image.Image) -> bytes:
    """One A4 page at 150 dpi (Pillow's PDF writer: no extra dependency)."""
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=150.0)
    return out.getvalue()
