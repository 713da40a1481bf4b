"""Shared by the packaging tests: the spec's lists, read without PyInstaller (the spec builds only under it)."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "kiosk.spec"


def spec_namespace() -> dict[str, Any]:
    """Run kiosk.spec as plain Python: defines ROOT, the data-file functions, HIDDEN_IMPORTS and EXCLUDES."""
    return runpy.run_path(str(SPEC), run_name="kiosk_spec")
