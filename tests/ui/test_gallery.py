"""docs/screens is the gallery `kiosk screens --out docs/screens` writes: the same screens, every one on the
index page, small enough to keep in the repository. Regenerate it when a screen is added or removed."""

from __future__ import annotations

from pathlib import Path

from kiosk_app.ui.gallery import expected_files

GALLERY = Path(__file__).resolve().parents[2] / "docs" / "screens"


def test_gallery_lists_every_screen_in_both_orientations_and_languages() -> None:
    present = sorted(p.relative_to(GALLERY).as_posix() for p in GALLERY.rglob("*") if p.is_file()
                     and p.relative_to(GALLERY).parts[0] in ("landscape", "portrait", "index.html"))
    assert present == expected_files(), "run: kiosk screens --out docs/screens"
    index = (GALLERY / "index.html").read_text(encoding="utf-8")
    assert all(f'src="{name}"' in index for name in present if name.endswith(".png"))


def test_gallery_stays_small_and_the_readme_links_it() -> None:
    assert sum(p.stat().st_size for p in GALLERY.rglob("*.png")) < 15_000_000
    readme = (GALLERY.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/screens/index.html" in readme
