"""The PNG reprint preview: right size, Chinese font, and a QR code that scans back to its data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from printer_support import TEMPLATE, fields

from drivers.printer.preview import PAPER_WIDTH_PX, render_png


def test_png_preview_scans_back() -> None:
    png = render_png(TEMPLATE.render(fields()))
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == PAPER_WIDTH_PX and image.height > 300
    codes = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [c.text for c in codes] == ["https://weixin.qq.com/r/example-bank"]
    top = image.convert("L").crop((0, 0, PAPER_WIDTH_PX, 60))
    assert top.getextrema()[0] == 0  # the title was drawn in black ink


def test_missing_font_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        render_png(TEMPLATE.render(fields()), Path("/nonexistent/font.ttc"))
