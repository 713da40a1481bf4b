"""Chinese glyphs with a real bold face: Noto Sans CJK (Debian `fonts-noto-cjk`), registered as Kivy's default
font before any widget exists, so `bold=True` draws the Bold file instead of a faked or missing weight.

Roboto has no CJK glyphs (boxes); wqy-microhei has no bold face, so it is only a fallback, with a warning.
The font is found at run time (Debian path, or `fonts/` inside a PyInstaller bundle), never committed.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)


class NoCjkFont(RuntimeError):
    """No Chinese-capable font is installed (Debian: apt-get install fonts-noto-cjk)."""


@dataclass(frozen=True)
class CjkFont:
    regular: str
    bold: str
    has_bold: bool


def _bundle_dir() -> Path | None:
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) / "fonts" if base else None


def find_cjk_fonts() -> CjkFont:
    """Noto Sans CJK regular+bold (bundled first, then Debian's), else a wqy face with no bold.

    Raises NoCjkFont if neither is installed.
    """
    for folder in (_bundle_dir(), NOTO_DIR):
        if folder is not None and all((folder / name).is_file() for name in NOTO_FILES):
            regular, bold = (str(folder / name) for name in NOTO_FILES)
            return CjkFont(regular, bold, True)
    bundle = _bundle_dir()
    for path in ((bundle / CANDIDATES[0].name,) if bundle else ()) + CANDIDATES:
        if path.is_file():
            log.warning("Noto Sans CJK not found (apt-get install fonts-noto-cjk); %s has no bold face", path.name)
            return CjkFont(str(path), str(path), False)
    raise NoCjkFont(NoCjkFont.__doc__)


def find_cjk_font() -> str:
    """The regular face's path (what `kiosk doctor` reports). Raises NoCjkFont if none is installed."""
    return find_cjk_fonts().regular


def register_default_font() -> str:
    """Register the CJK font as Kivy's default (regular and bold); returns the regular file's path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    font = find_cjk_fonts()
    LabelBase.register(DEFAULT_FONT, font.regular, fn_bold=font.bold)
    return font.regular
