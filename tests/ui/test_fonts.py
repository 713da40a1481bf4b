"""The CJK font: Simplified Chinese forms (not face 0 of the collection, which is Japanese) and a real bold."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.ui import fonts

pytestmark = pytest.mark.skipif(not (fonts.NOTO_DIR / fonts.NOTO_FILES[0]).is_file(),
                                reason="fonts-noto-cjk not installed (./dev setup)")


# Rare characters of Chinese given names: GBK ones, and from Extension B on (𠮷 𨙸 𬌗 𫖯, GB 18030-2022's name
# characters) which the faces must keep too since a customer's name is drawn in both regular and bold.
RARE_NAME_CHARACTERS = "堃喆昇珺赟禕镕燚龑𠮷𨙸𬌗𫖯"


@pytest.fixture(scope="module")
def faces() -> list[Path]:
    """The faces in assets/fonts: cut once by `./dev setup` (about a minute), reused while the repertoire holds."""
    return fonts.extract_sc_faces()


def test_the_extracted_faces_are_the_simplified_chinese_ones(faces: list[Path]) -> None:
    from fontTools.ttLib import TTFont

    regular, bold = faces
    assert TTFont(str(regular))["name"].getDebugName(4) == "Noto Sans CJK SC"
    assert TTFont(str(bold))["name"].getDebugName(4) == "Noto Sans CJK SC Bold"
    before = [path.stat().st_mtime_ns for path in faces]
    assert fonts.extract_sc_faces() == [regular, bold]  # already cut with this repertoire: nothing rewritten
    assert [path.stat().st_mtime_ns for path in faces] == before
    assert not list(regular.parent.glob("*.tmp"))


def test_the_subset_faces_draw_every_catalogue_text_and_rare_names_but_no_hangul(faces: list[Path]) -> None:
    from fontTools.ttLib import TTFont

    from kiosk_app import i18n

    needed = {ord(ch) for locale in i18n.LOCALES for ch in fonts.catalogue_text(i18n.catalogue(locale))
              if not ch.isspace()}
    needed |= {ord(ch) for ch in RARE_NAME_CHARACTERS}
    needed |= {ord(ch) for ch in "０１２３４５６７８９（），。：；《》·—ABCxyzāáǎàüǘǚǜ"}  # full-width forms, pinyin
    for path in faces:
        cmap = TTFont(str(path), lazy=True).getBestCmap()
        assert not sorted(chr(cp) for cp in needed - cmap.keys()), path.name
        assert 0xAC00 not in cmap and 0xD7A3 not in cmap  # Hangul syllables left out
        assert path.stat().st_size < 9_000_000  # the whole SC face is ~16.5 MB


def test_a_missing_collection_names_the_debian_package(tmp_path: Path) -> None:
    with pytest.raises(fonts.NoCjkFont, match="fonts-noto-cjk"):
        fonts.extract_sc_faces(tmp_path / "out", tmp_path)


def test_kivy_draws_simplified_forms_and_a_real_bold(window) -> None:
    from kivy.core.text import Label as CoreLabel

    def glyphs(text: str, **kwargs) -> bytes:
        label = CoreLabel(text=text, font_size=48, **kwargs)
        label.refresh()
        return bytes(label.texture.pixels)

    chosen = fonts.find_cjk_fonts()
    assert chosen.has_bold and Path(chosen.regular).name == fonts.SC_FILES[0]
    japanese_face = str(fonts.NOTO_DIR / fonts.NOTO_FILES[0])
    assert glyphs("写直门") != glyphs("写直门", font_name=japanese_face)  # face 0 draws the Japanese forms
    assert glyphs("写直门") == glyphs("写直门", font_name=chosen.regular)  # the default is the SC face
    assert glyphs("开户") != glyphs("开户", bold=True)
