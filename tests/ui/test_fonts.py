"""The CJK font: Simplified Chinese forms (not face 0 of the collection, which is Japanese) and a real bold."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.ui import fonts

pytestmark = pytest.mark.skipif(not (fonts.NOTO_DIR / fonts.NOTO_FILES[0]).is_file(),
                                reason="fonts-noto-cjk not installed (./dev setup)")


def test_the_extracted_faces_are_the_simplified_chinese_ones(tmp_path: Path) -> None:
    from fontTools.ttLib import TTFont

    regular, bold = fonts.extract_sc_faces(tmp_path)
    assert TTFont(str(regular))["name"].getDebugName(4) == "Noto Sans CJK SC"
    assert TTFont(str(bold))["name"].getDebugName(4) == "Noto Sans CJK SC Bold"
    assert fonts.extract_sc_faces(tmp_path) == [regular, bold]  # already there: nothing rewritten
    assert not list(tmp_path.glob("*.tmp"))


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
