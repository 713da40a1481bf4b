"""Chinese glyphs: Roboto has none, so a CJK font is registered as Kivy's default before any widget exists."""

from __future__ import annotations

import sys
from pathlib import Path

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


class NoCjkFont(RuntimeError):
    """No Chinese-capable font is installed (Debian: apt-get install fonts-wqy-microhei)."""


def find_cjk_font() -> str:
    """The first installed CJK font, or one bundled next to a frozen executable."""
    bundled = Path(getattr(sys, "_MEIPASS", "")) / "fonts" / "wqy-microhei.ttc"
    for path in (str(bundled), *CANDIDATES):
        if Path(path).is_file():
            return path
    raise NoCjkFont(NoCjkFont.__doc__)


def register_default_font() -> str:
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = find_cjk_font()
    LabelBase.register(DEFAULT_FONT, path)
    return path
