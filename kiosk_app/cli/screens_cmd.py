"""`kiosk screens --out DIR`: every kiosk screen rendered offscreen to PNG, with an index page (docs/screens)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

SIZES = ("1920x1080", "1080x1920")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


@click.command("screens")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory for the PNGs and index.html (e.g. docs/screens); "
                   "its landscape/ and portrait/ are replaced.")
@click.option("--scale", type=click.FloatRange(0.1, 1.0), default=0.5, show_default=True,
              help="Size of the PNGs relative to the panel (the gallery is shown at half size).")
@click.option("--size", type=click.Choice(SIZES), default=None, hidden=True,
              help="Render one panel size only, into OUT (the command runs one process per size).")
def screens(out: Path, scale: float, size: str | None) -> None:
    """Render every screen (1920×1080 and 1080×1920, zh_CN and en) offscreen to PNG, with an index page."""
    if size is not None:
        _render_one_size(out, _size(size), scale)
        return
    for own in ("landscape", "portrait"):  # the kiosk's folders only: docs/screens/branch etc. are the pages'
        if (out / own).exists():
            shutil.rmtree(out / own)
    out.mkdir(parents=True, exist_ok=True)
    # SDL's offscreen surface keeps the size it was opened with: one process per panel size.
    command = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "kiosk_app"]
    for each in SIZES:
        subprocess.run([*command, "screens", "--out", str(out), "--scale", str(scale), "--size", each], check=True)
    from kiosk_app.ui.gallery import write_index

    write_index(out)
    files = [p for own in ("landscape", "portrait") for p in (out / own).rglob("*") if p.is_file()]
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    click.echo(f"{len(files)} screens and index.html in {out} ({megabytes:.1f} MB)")


def _render_one_size(out: Path, size: tuple[int, int], scale: float) -> None:
    # Offscreen, before Kivy is imported: no display is needed and none is touched.
    for key, value in {"SDL_VIDEODRIVER": "offscreen", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1",
                       "KIVY_NO_FILELOG": "1", "KIVY_USE_DEFAULTCONFIG": "1"}.items():
        os.environ.setdefault(key, value)
    from kiosk_app.ui.gallery import write_pngs

    write_pngs(out, size, scale=scale)
