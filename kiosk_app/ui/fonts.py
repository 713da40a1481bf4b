"""Chinese glyphs with a real bold face, in their Simplified Chinese forms: Noto Sans CJK SC, registered as
Kivy's default font before any widget exists, so `bold=True` draws the Bold file.

Why a build step: Debian's `fonts-noto-cjk` ships collections (.ttc: JP, KR, SC, TC, HK faces) and Kivy's SDL2
text provider always opens face 0, the Japanese one, which draws 写 直 门 骨 角 … in their Japanese shapes.
`extract_sc_faces` copies the SC face of the regular and bold collections into two OpenType files under
`assets/fonts/` (fontTools; `./dev setup` and `kiosk.spec` run it; the files are generated, never committed).
Fallbacks, each with a warning: the collections themselves (Japanese forms), then wqy-microhei (no bold).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.assets import assets_dir

log = logging.getLogger(__name__)

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
NOTO_FILES = ("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc")
SC_INDEX = 2  # the collection's faces: 0 JP, 1 KR, 2 SC, 3 TC, 4 HK
SC_FILES = ("NotoSansCJKsc-Regular.otf", "NotoSansCJKsc-Bold.otf")
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


def sc_dir() -> Path:
    """Where the extracted SC faces live: assets/fonts (inside a bundle too, since kiosk.spec collects assets/)."""
    return assets_dir() / "fonts"


def extract_sc_faces(out_dir: Path | None = None, source_dir: Path = NOTO_DIR) -> list[Path]:
    """Write the SC face of Noto Sans CJK Regular and Bold as OpenType files; skips files already there.

    Raises NoCjkFont if the collections are not installed.
    """
    from fontTools.ttLib import TTCollection

    out_dir = out_dir or sc_dir()
    missing = [name for name in NOTO_FILES if not (source_dir / name).is_file()]
    if missing:
        raise NoCjkFont(f"{source_dir}: {', '.join(missing)} missing (apt-get install fonts-noto-cjk)")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for collection, target in zip(NOTO_FILES, SC_FILES, strict=True):
        path = out_dir / target
        if not path.is_file():
            face = TTCollection(str(source_dir / collection), lazy=True).fonts[SC_INDEX]
            face.save(str(path.with_suffix(".tmp")))
            path.with_suffix(".tmp").replace(path)  # a half-written font is never picked up
        written.append(path)
    return written


def _pair(folder: Path | None, names: tuple[str, str]) -> CjkFont | None:
    if folder is not None and all((folder / name).is_file() for name in names):
        return CjkFont(str(folder / names[0]), str(folder / names[1]), True)
    return None


def find_cjk_fonts() -> CjkFont:
    """Noto Sans CJK SC regular+bold, else the collections (Japanese forms), else a wqy face with no bold.

    Raises NoCjkFont if none is installed.
    """
    found = _pair(sc_dir(), SC_FILES)
    if found is not None:
        return found
    found = _pair(NOTO_DIR, NOTO_FILES)
    if found is not None:
        log.warning("Simplified Chinese faces not extracted (python -m kiosk_app.ui.fonts); some characters "
                    "will take their Japanese forms")
        return found
    for path in CANDIDATES:
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


if __name__ == "__main__":
    for written in extract_sc_faces():
        print(written)
