"""Checks over rendered screens, measured in the laid-out Kivy tree and the drawn pixels:

- `raw_key`: a catalogue key or snake_case id on screen instead of words ("path appointment", "staff_id");
- `latin_on_chinese`: a Latin word on a Chinese screen (numbers, ids such as M001, and proper names pass);
- `untranslated`: a Chinese catalogue text on an English screen;
- `font`: body text under 32 px or a title under 48 px (at 1080p; scaled with the panel's short side);
- `target`: a touch target under 80 px, or two targets closer than 8 px;
- `contrast`: text colour against the drawn background under 4.5:1 (WCAG 2.2 AA), on each distinct screen (the
  error variants differ from their base screen in words only).

Run one panel size per process (SDL's offscreen surface keeps its size): `python -m kiosk_app.ui.screen_checks
1920x1080` prints the findings as JSON lines; tests/ui/test_screen_checks.py runs both sizes.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from kiosk_app import i18n

MIN_BODY_PX, MIN_TITLE_PX, MIN_TARGET_PX, MIN_GAP_PX, MIN_CONTRAST = 32, 48, 80, 8, 4.5
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")  # single letters pass: answer markers "A." and units
PROPER_NAMES = {"English"}  # the language switch names the language in itself
CJK = re.compile(r"[\u4e00-\u9fff]")
BARE_UNIT = re.compile(r"\d\s*(?:s|min|ms)\b")  # "30 s" on a countdown: the unit is a word on a kiosk


@dataclass(frozen=True)
class Finding:
    screen: str
    locale: str
    size: str
    check: str
    detail: str


def _flatten(table: Any) -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _flatten(value)
        else:
            yield key, value


@cache
def catalogue_keys() -> frozenset[str]:
    return frozenset(key for locale in i18n.LOCALES for key, _ in _flatten(i18n.catalogue(locale)))


@cache
def catalogue_values(locale: str) -> frozenset[str]:
    return frozenset(value for _, value in _flatten(i18n.catalogue(locale)))


def text_findings(texts: list[str], locale: str) -> Iterator[tuple[str, str]]:
    """(check, detail) for the words on one screen (pure: the tests feed it strings too)."""
    values = catalogue_values(locale)
    zh_values = catalogue_values("zh_CN") - catalogue_values("en")
    for text in texts:
        plain = re.sub(r"\[/?[a-z]+(?:=[^\]]*)?\]", "", text).strip()  # Kivy markup
        if not plain:
            continue
        if plain in catalogue_keys() and plain not in values and not plain.isdigit():
            yield "raw_key", plain
        for token in SNAKE.findall(plain):
            if token not in values:
                yield "raw_key", f"{token!r} in {plain[:60]!r}"
        if locale == "zh_CN":
            if BARE_UNIT.search(plain):
                yield "latin_on_chinese", f"unit in {plain[:60]!r}"
            for word in LATIN_WORD.findall(plain):
                if not any(c.isdigit() for c in word) and word not in PROPER_NAMES and len(word) > 1:
                    yield "latin_on_chinese", f"{word!r} in {plain[:60]!r}"
        elif plain in zh_values and CJK.search(plain) and plain not in values:
            yield "untranslated", plain[:60]


def contrast_ratio(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    from kiosk_app.ui.theme import contrast_ratio as ratio

    return ratio((*fg[:3], 1.0), (*bg[:3], 1.0))


def _modal(root: Any) -> Any | None:
    """The open dialog's subtree (view.py's modal layer takes every touch), if one is open."""
    return next((w for w in root.walk(restrict=True) if type(w).__name__ == "_Modal"), None)


def _visible(widget: Any) -> bool:
    node = widget
    while node is not None and node is not node.parent:
        if getattr(node, "opacity", 1) == 0:
            return False
        node = node.parent
    return widget.width > 1 and widget.height > 1


def _rect(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(*widget.pos)
    return x, y, x + widget.width, y + widget.height


def _on_window(rect: tuple[float, float, float, float], size: tuple[int, int]) -> bool:
    return rect[0] >= -1 and rect[1] >= -1 and rect[2] <= size[0] + 1 and rect[3] <= size[1] + 1


def _gap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    dx = max(b[0] - a[2], a[0] - b[2], 0.0)
    dy = max(b[1] - a[3], a[1] - b[3], 0.0)
    return max(dx, dy) if (dx == 0 or dy == 0) else (dx * dx + dy * dy) ** 0.5


def _background(pixels: Any, rect: tuple[float, float, float, float], height: int) -> tuple[float, ...] | None:
    """The most common colour drawn in a widget's box: the surface its text sits on."""
    x0, y0, x1, y1 = (round(v) for v in rect)
    top, bottom = max(0, height - y1), min(height, height - y0)
    region = pixels[top:bottom, max(0, x0):max(0, x1)]
    if region.size == 0:
        return None
    import numpy as np

    flat = region.reshape(-1, region.shape[-1])[:, :3].astype(np.uint32)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    top = int(values[counts.argmax()])
    return ((top >> 16) / 255, ((top >> 8) & 255) / 255, (top & 255) / 255)


def check_tree(root: Any, *, screen: str, locale: str, size: tuple[int, int], title: str,
               pixels: Any | None = None) -> list[Finding]:
    """Every check over one laid-out tree (and its drawn pixels, for contrast)."""
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    scale = min(size) / 1080
    tag = f"{size[0]}x{size[1]}"
    found: list[Finding] = []

    def add(check: str, detail: str) -> None:
        found.append(Finding(screen, locale, tag, check, detail))

    root = _modal(root) or root  # under an open dialog only the dialog is live (the rest is dimmed, inert)
    labels = [w for w in root.walk(restrict=True) if isinstance(w, Label) and w.text.strip() and _visible(w)]
    for check, detail in text_findings([w.text for w in labels], locale):
        add(check, detail)
    for label in labels:
        if not _on_window(_rect(label), size):
            continue
        words = label.text.strip()[:30]
        if label.font_size + 0.5 < MIN_BODY_PX * scale:
            add("font", f"{label.font_size:.0f} px: {words!r}")
        if pixels is not None and not getattr(label, "disabled", False):
            background = _background(pixels, _rect(label), size[1])
            if background is not None and contrast_ratio(tuple(label.color), background) < MIN_CONTRAST:
                add("contrast", f"{contrast_ratio(tuple(label.color), background):.2f}:1 {words!r}")
    title_sizes = [w.font_size for w in labels if w.text == title and not isinstance(w, ButtonBehavior)]
    if title_sizes and max(title_sizes) + 0.5 < MIN_TITLE_PX * scale:
        add("font", f"title {max(title_sizes):.0f} px: {title[:30]!r}")
    targets = [w for w in root.walk(restrict=True) if isinstance(w, ButtonBehavior) and _visible(w)
               and _on_window(_rect(w), size)]
    for target in targets:
        if min(target.width, target.height) + 0.5 < MIN_TARGET_PX * scale:
            add("target", f"{target.width:.0f}×{target.height:.0f} px: {getattr(target, 'text', '')[:30]!r}")
    rects = [(_rect(t), t) for t in targets]
    for i, (a, first) in enumerate(rects):
        for b, second in rects[i + 1:]:
            if first in second.walk(restrict=True) or second in first.walk(restrict=True):
                continue
            if _gap(a, b) + 0.5 < MIN_GAP_PX * scale:
                add("target", f"{_gap(a, b):.0f} px between {getattr(first, 'text', '')[:20]!r} and "
                              f"{getattr(second, 'text', '')[:20]!r}")
    return found


def run(size: tuple[int, int], *, contrast: bool = True) -> list[Finding]:
    """Render every sample at `size` in both languages and check each (this process's window must be free)."""
    from kiosk_app.ui.gallery import rendered
    from kiosk_app.ui.manager_view import ManagerTexts
    from kiosk_app.ui.texts import Texts

    found: list[Finding] = []
    for shot in rendered(size=size):
        step = shot.sample.screen.step_id
        title = ManagerTexts(shot.locale).get("title", step) if shot.sample.console else Texts(shot.locale).title(step)
        pixels = None
        if contrast and shot.sample.gallery:  # the variants differ in words only: their colours are the base's
            pixels = _screen_pixels(size)
        found += check_tree(shot.root, screen=shot.sample.name, locale=shot.locale, size=size, title=title,
                            pixels=pixels)
    return found


def _screen_pixels(size: tuple[int, int]) -> Any:
    """The drawn frame as rows top-down (RGB), read back from GL."""
    import numpy as np
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels

    data = glReadPixels(0, 0, size[0], size[1], GL_RGB, GL_UNSIGNED_BYTE)
    return np.frombuffer(data, np.uint8).reshape(size[1], size[0], 3)[::-1]


def main(argv: list[str]) -> int:
    for key, value in {"SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
                       "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1"}.items():
        os.environ.setdefault(key, value)
    width, _, height = argv[0].partition("x")
    for finding in run((int(width), int(height))):
        print(json.dumps(asdict(finding), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
