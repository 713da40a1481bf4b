"""Where `assets/` is: beside the source tree in development, inside the bundle when frozen."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "assets"
    return Path(__file__).resolve().parents[1] / "assets"


def asset(*parts: str) -> Path:
    """A file under assets/. Raises FileNotFoundError if it is missing (a broken bundle, not a user error)."""
    path = assets_dir().joinpath(*parts)
    if not path.is_file():
        raise FileNotFoundError(f"asset missing: {path}")
    return path
