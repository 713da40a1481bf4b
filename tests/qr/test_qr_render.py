"""QR display: rendered pixels decode back to the text, in every colour format a Kivy texture takes."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from drivers.qr_render import qr_modules, qr_version, render_qr

LINK = "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890&state=walkin-BJ-0101"


@pytest.mark.parametrize(("colorfmt", "channels"), [("rgba", 4), ("rgb", 3), ("luminance", 1)])
def test_rendered_code_decodes_back(colorfmt, channels):
    image = render_qr(LINK, scale=3, colorfmt=colorfmt)
    pixels = np.frombuffer(image.pixels, np.uint8).reshape(image.height, image.width, channels)
    frame = np.ascontiguousarray(pixels[:, :, :3] if channels > 1 else pixels[:, :, 0])
    assert [b.text for b in zxingcpp.read_barcodes(frame, formats=zxingcpp.BarcodeFormat.QRCode)] == [LINK]
    modules = 17 + 4 * image.version
    assert image.size == ((modules + 8) * 3, (modules + 8) * 3)
    assert image.version == qr_version(LINK) and image.colorfmt == colorfmt


def test_pixels_are_exact_colours_and_bottom_up_flips_rows():
    image = render_qr("HELLO", scale=2, quiet_zone=0, dark=(10, 20, 30, 255), light=(250, 240, 230, 128))
    pixels = np.frombuffer(image.pixels, np.uint8).reshape(image.height, image.width, 4)
    assert tuple(pixels[0, 0]) == (10, 20, 30, 255)  # finder pattern corner is dark
    assert {tuple(p) for p in pixels.reshape(-1, 4)} == {(10, 20, 30, 255), (250, 240, 230, 128)}
    flipped = np.frombuffer(image.bottom_up(), np.uint8).reshape(image.height, image.width, 4)
    assert np.array_equal(flipped, pixels[::-1])
    modules = qr_modules("HELLO")
    assert np.array_equal(pixels[::2, ::2, 0] == 10, modules)


def test_version_grows_with_the_text_and_level():
    assert qr_version("A") == 1
    assert qr_version("A" * 300, "L") < qr_version("A" * 300, "H")


def test_repr_does_not_dump_pixels_and_bad_arguments_are_refused():
    assert repr(render_qr("X", scale=1)) == "QrImage(29x29, version=1, rgba)"
    for kwargs in ({"scale": 0}, {"quiet_zone": -1}, {"ec_level": "X"}, {"colorfmt": "bgr"}):
        with pytest.raises(ValueError):
            render_qr("X", **kwargs)
