"""Chinese glyphs with a real bold face, in their Simplified Chinese forms: Noto Sans CJK SC, registered as
Kivy's default font before any widget exists, so `bold=True` draws the Bold file.

Why a build step: Debian's `fonts-noto-cjk` ships collections (.ttc: JP, KR, SC, TC, HK faces) and Kivy's SDL2
text provider always opens face 0, the Japanese one, which draws 写 直 门 骨 角 … in their Japanese shapes.
`extract_sc_faces` copies the SC face of the regular and bold collections into two OpenType files under
`assets/fonts/` (fontTools; `./dev setup` and `kiosk.spec` run it; the files are generated, never committed).
Both faces are subset to what a Chinese bank kiosk shows (`kiosk_repertoire`): the bold face draws customers'
names and addresses too (the form and approval values), so it keeps the same repertoire as the regular one.
Fallbacks, each with a warning: the collections themselves (Japanese forms), then wqy-microhei (no bold).
"""

from __future__ import annotations

import hashlib
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


# What a customer's name or address, or any text of the catalogues, can contain: Latin (pinyin with tone marks),
# symbols and punctuation, CJK symbols, kana and bopomofo (both in GB 2312), CJK Unified Ideographs with
# Extensions A to the last one the font has (GB 18030-2022 names its rare name characters from Extension B on),
# compatibility ideographs and full-width forms; plus whatever GBK encodes. Left out: Hangul (11,623 glyphs),
# the Japanese/Korean/traditional variants reached only through layout features, vertical metrics and hints.
KIOSK_RANGES = (
    (0x0020, 0x036F), (0x0370, 0x04FF), (0x1E00, 0x1EFF), (0x2000, 0x2BFF), (0x2E80, 0x2FDF),
    (0x3000, 0x312F), (0x3190, 0x31FF), (0x3200, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)
SUBSET_STAMP = "subset.txt"  # the repertoire's digest the files in assets/fonts were cut with


def _in_gbk(codepoint: int) -> bool:
    try:
        chr(codepoint).encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def kiosk_repertoire() -> set[int]:
    """The code points the kiosk's faces keep: KIOSK_RANGES, every GBK character and every catalogue character."""
    from kiosk_app import i18n

    kept = {cp for low, high in KIOSK_RANGES for cp in range(low, high + 1)}
    kept |= {cp for cp in range(0x80, 0x10000) if not 0xD800 <= cp <= 0xDFFF and _in_gbk(cp)}
    for locale in i18n.LOCALES:
        kept |= {ord(ch) for ch in catalogue_text(i18n.catalogue(locale))}
    return kept


def catalogue_text(node: object) -> str:
    """Every string of a catalogue (nested tables and lists included), joined: what the screens can draw."""
    if isinstance(node, str):
        return node
    if isinstance(node, dict):
        return "".join(catalogue_text(value) for value in node.values())
    if isinstance(node, list | tuple):
        return "".join(catalogue_text(value) for value in node)
    return ""


def _subset(face: object, unicodes: set[int]) -> None:
    """Cut `face` (a fontTools TTFont) down to `unicodes`, horizontal text only, without hints."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = ["kern", "liga", "ccmp"]  # Kivy's SDL2 text does no shaping beyond these
    options.hinting = False  # FreeType's autohinter draws CJK well at kiosk sizes; CFF hints are ~1/6 of the face
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # no vertical text on the kiosk
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(face)


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
    """Write the SC face of Noto Sans CJK Regular and Bold, subset to `kiosk_repertoire`, as OpenType files;
    skips files already cut with the same repertoire (the stamp file says which).

    Raises NoCjkFont if the collections are not installed.
    """
    from fontTools.ttLib import TTCollection

    out_dir = out_dir or sc_dir()
    missing = [name for name in NOTO_FILES if not (source_dir / name).is_file()]
    if missing:
        raise NoCjkFont(f"{source_dir}: {', '.join(missing)} missing (apt-get install fonts-noto-cjk)")
    out_dir.mkdir(parents=True, exist_ok=True)
    unicodes = kiosk_repertoire()
    digest = hashlib.sha256(",".join(map(str, sorted(unicodes))).encode()).hexdigest()[:16]
    stamp = out_dir / SUBSET_STAMP
    current = stamp.is_file() and stamp.read_text().strip() == digest
    written = []
    for collection, target in zip(NOTO_FILES, SC_FILES, strict=True):
        path = out_dir / target
        if not (path.is_file() and current):
            face = TTCollection(str(source_dir / collection)).fonts[SC_INDEX]
            _subset(face, unicodes)
            face.save(str(path.with_suffix(".tmp")))
            path.with_suffix(".tmp").replace(path)  # a half-written font is never picked up
        written.append(path)
    stamp.write_text(digest + "\n")
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
