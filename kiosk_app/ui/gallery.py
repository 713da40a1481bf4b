"""Render every sample screen offscreen (both orientations, both languages): to PNG files with an index page for
`kiosk screens`, or as laid-out widget trees for the checks over rendered screens.

Why through the real view code and a real window: the gallery and the checks must see exactly what a customer
sees, sizes included; SDL2 renders offscreen through Mesa without a display.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk_app.i18n import LOCALES
from kiosk_app.ui.screen_samples import Sample, samples

SIZES = ((1920, 1080), (1080, 1920))
ORIENTATIONS = ("landscape", "portrait")  # the gallery's own folders: docs/screens/<other> belongs to the pages
BANK_NAME = "演示银行"


@dataclass(frozen=True)
class Rendered:
    sample: Sample
    locale: str
    size: tuple[int, int]
    root: object  # the laid-out Kivy widget tree

    @property
    def file_name(self) -> str:
        orientation = "landscape" if self.size[0] >= self.size[1] else "portrait"
        return f"{orientation}/{self.locale}/{self.sample.name}.png"


def open_window(size: tuple[int, int]):
    """The offscreen window at `size`. Raises WindowSizeError if a window of another size is already open:
    SDL's offscreen driver does not resize its surface, so each size needs its own process."""
    from kivy.config import Config

    Config.set("graphics", "width", str(size[0]))
    Config.set("graphics", "height", str(size[1]))
    from kivy.base import EventLoop

    from kiosk_app.ui.fonts import register_default_font

    register_default_font()
    EventLoop.ensure_window()
    from kivy.core.window import Window

    if tuple(Window.size) != tuple(size):
        raise WindowSizeError(f"the window is {tuple(Window.size)}, not {size}: render each size in its own process")
    return Window


class WindowSizeError(RuntimeError):
    """The offscreen window was opened at another size (one size per process)."""


def build(sample: Sample, locale: str, size: tuple[int, int]):
    """The widget tree for one sample at one window size (not yet on the window)."""
    from kiosk_app.ui.manager_view import build_manager_view
    from kiosk_app.ui.texts import Texts
    from kiosk_app.ui.theme import Theme
    from kiosk_app.ui.view import build_view

    theme = Theme.create(bank_name=BANK_NAME, window_size=size)
    if sample.console:
        return build_manager_view(sample.screen, lambda event: None, locale=locale, theme=theme)
    root, _ = build_view(sample.screen, Texts(locale), lambda event: None, bank_name=BANK_NAME, theme=theme)
    return root


def rendered(chosen: Sequence[Sample] | None = None, *, size: tuple[int, int],
             locales: Sequence[str] = LOCALES) -> Iterator[Rendered]:
    """Each sample on the window, laid out and drawn; the tree stays valid until the next one is yielded."""
    from kivy.base import EventLoop

    window = open_window(size)
    for locale in locales:
        for sample in chosen if chosen is not None else samples():
            for child in list(window.children):
                window.remove_widget(child)
            root = build(sample, locale, size)
            window.add_widget(root)
            for _ in range(3):
                EventLoop.idle()
            yield Rendered(sample, locale, tuple(size), root)


def write_pngs(out: Path, size: tuple[int, int], *, scale: float = 0.5) -> list[Path]:
    """One PNG per gallery screen at `size` (scaled by `scale`, 256 colours, optimised) under `out`."""
    from PIL import Image

    window = open_window(size)

    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        for shot in rendered([s for s in samples() if s.gallery], size=size):
            raw = window.screenshot(name=str(Path(tmp) / "shot.png"))
            target = out / shot.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            with Image.open(raw) as image:
                small = image.convert("RGB").resize((int(size[0] * scale), int(size[1] * scale)),
                                                    Image.Resampling.LANCZOS)
                small.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
            Path(raw).unlink()
            written.append(target)
    return written


def expected_files() -> list[str]:
    """The gallery's files, relative to its directory: what `kiosk screens` writes (the test compares)."""
    names = [s.name for s in samples() if s.gallery]
    return sorted([f"{orientation}/{locale}/{name}.png" for orientation in ("landscape", "portrait")
                   for locale in LOCALES for name in names] + ["index.html"])


def write_index(out: Path) -> Path:
    index = out / "index.html"
    files = sorted(p for p in out.glob("*/*/*.png") if p.relative_to(out).parts[0] in ORIENTATIONS)
    order = {s.name: i for i, s in enumerate(samples())}
    files.sort(key=lambda p: (p.relative_to(out).parts[:2], order.get(p.stem, 0)))
    index.write_text(index_page(out, files), encoding="utf-8")
    return index


def index_page(out: Path, files: Sequence[Path]) -> str:
    """One section per orientation and language, screens in journey order, each image linked to itself."""
    sections: dict[str, list[str]] = {}
    for path in files:
        rel = path.relative_to(out).as_posix()
        orientation, locale, name = rel.split("/")
        sections.setdefault(f"{orientation} · {locale}", []).append(
            f'<figure><a href="{html.escape(rel)}"><img src="{html.escape(rel)}" loading="lazy" '
            f'alt="{html.escape(name)}"></a><figcaption>{html.escape(name.removesuffix(".png"))}</figcaption>'
            "</figure>")
    body = "\n".join(f"<h2>{html.escape(title)}</h2>\n<div class=grid>\n" + "\n".join(figures) + "\n</div>"
                     for title, figures in sections.items())
    return ("<!doctype html>\n<html lang=en><meta charset=utf-8><title>Branch kiosk screens</title>\n"
            "<style>body{font-family:sans-serif;margin:2em}.grid{display:flex;flex-wrap:wrap;gap:16px}"
            "figure{margin:0;width:480px}img{width:100%;border:1px solid #ccc}</style>\n"
            "<h1>Branch kiosk: every screen</h1>\n<p>Generated by <code>kiosk screens --out docs/screens</code>; "
            "1920×1080 landscape and 1080×1920 portrait, zh_CN and en, shown at half size.</p>\n"
            f"{body}\n</html>\n")
