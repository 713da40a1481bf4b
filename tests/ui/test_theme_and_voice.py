"""Theme tokens and voice prompts, checked without a window: WCAG contrast from the tokens, sizes at 1080p,
every prompt spoken by the real espeak-ng in both languages and loadable by Kivy's audio."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kiosk_app import i18n
from kiosk_app.config.model import Display
from kiosk_app.ui import voice
from kiosk_app.ui.theme import TEXT_PAIRS, Theme, contrast_ratio, hex_rgba
from kiosk_app.ui.window import window_size


@pytest.mark.parametrize("high_contrast", [False, True])
def test_every_text_colour_pair_meets_wcag_aa(high_contrast: bool) -> None:
    theme = Theme.create(high_contrast=high_contrast)
    for fg, bg in TEXT_PAIRS:
        ratio = contrast_ratio(getattr(theme.palette, fg), getattr(theme.palette, bg))
        assert ratio >= 4.5, f"{fg} on {bg}: {ratio:.2f}:1"
    assert theme.contrast_failures() == []


def test_contrast_maths_matches_wcag_reference_values() -> None:
    assert contrast_ratio(hex_rgba("#000000"), hex_rgba("#FFFFFF")) == pytest.approx(21.0)
    assert contrast_ratio(hex_rgba("#777777"), hex_rgba("#FFFFFF")) == pytest.approx(4.48, abs=0.01)


def test_a_bank_colour_too_light_for_white_text_is_reported() -> None:
    failures = Theme.create(primary_color="#F7C6D0").contrast_failures()
    assert ("on_primary", "primary", pytest.approx(1.5, abs=0.2)) in failures


def test_bad_colour_is_a_typed_error() -> None:
    with pytest.raises(ValueError, match="#RRGGBB"):
        Theme.create(primary_color="red")


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_sizes_at_1080p_meet_the_floors(size: tuple[int, int]) -> None:
    theme = Theme.create(window_size=size)
    assert theme.font("body") >= 32 and theme.font("small") >= 32 and theme.font("title") >= 48
    assert theme.space("target") >= 80 and theme.space("target_min") >= 80 and theme.space("gap") >= 8
    large = theme.with_access(large_text=True, high_contrast=True)
    assert large.font("body") > theme.font("body") and large.palette.background == hex_rgba("#000000")


def test_portrait_swaps_the_panel_sides() -> None:
    assert window_size(Display(orientation="portrait")) == (1080, 1920)
    assert window_size(Display(width=1080, height=1920, orientation="landscape")) == (1920, 1080)


NO_VOICE_TOOLS = shutil.which("espeak-ng") is None or shutil.which("oggenc") is None


@pytest.mark.skipif(NO_VOICE_TOOLS, reason="espeak-ng or oggenc not installed (./dev setup)")
def test_every_step_with_a_prompt_has_audio_in_both_languages(tmp_path: Path) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from kivy.core.audio import SoundLoader

    made = voice.generate(tmp_path)
    steps = voice.prompt_steps()
    assert made == len(steps) * len(i18n.LOCALES) and "await_id_card" in steps and "take_card" in steps
    for locale in i18n.LOCALES:
        assert voice.prompt_steps(locale) == steps
        for step in steps:
            path = voice.prompt_path(tmp_path, locale, step)
            assert path.read_bytes()[:4] == b"OggS", f"{locale}/{step} is not Ogg"
            sound = SoundLoader.load(str(path))  # Kivy's SDL2 mixer decodes the Vorbis prompt
            assert sound is not None and sound.length > 0.3, f"{locale}/{step} is silent or unreadable"
            sound.unload()
    assert not list(tmp_path.rglob("*.wav")) and not list(tmp_path.rglob("*.tmp"))  # only the compressed prompts
    assert voice.generate(tmp_path) == 0  # unchanged words are not spoken again


@pytest.mark.skipif(NO_VOICE_TOOLS, reason="espeak-ng or oggenc not installed (./dev setup)")
def test_player_plays_the_prompt_through_kivy_and_mute_silences_it(tmp_path: Path) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    voice.generate(tmp_path, ("zh_CN",))
    player = voice.VoicePlayer(tmp_path, volume=0.5)
    assert player.play("zh_CN", "await_id_card") == voice.prompt_path(tmp_path, "zh_CN", "await_id_card")
    assert player._playing is not None and player._playing.volume == pytest.approx(0.5 * 0.8)
    assert [player.next_step() for _ in range(4)] == [3, 0, 1, 2]  # the speaker button: loud, silent, quiet, normal
    player.play("zh_CN", "await_id_card")
    player.set_step(3)
    assert player._playing.volume == pytest.approx(0.5)  # a prompt playing follows the button at once
    player.set_muted(True)
    assert player._playing is None and player.play("zh_CN", "review") is None
    assert voice.VoicePlayer(tmp_path / "none").play("zh_CN", "review") is None  # no files: silent, not broken


def test_production_window_config_is_fullscreen_borderless_without_cursor_or_escape() -> None:
    from kivy.config import Config

    from kiosk_app.ui.window import configure_window

    keys = [("graphics", k) for k in ("width", "height", "fullscreen", "borderless", "show_cursor")]
    saved = {key: Config.get(*key) for key in [*keys, ("kivy", "exit_on_escape")]}
    try:
        configure_window(Display(orientation="portrait"))
        assert [Config.get(*key) for key in keys] == ["1080", "1920", "auto", "1", "0"]
        assert Config.get("kivy", "exit_on_escape") == "0"
        configure_window(Display(fullscreen=False, mode="demo"))
        assert [Config.get(*key) for key in keys] == ["1920", "1080", "0", "0", "1"]
    finally:
        for (section, name), value in saved.items():
            Config.set(section, name, value)
