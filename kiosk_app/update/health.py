"""The app's "I am up" mark: written by `kiosk app` once its journey and devices are running, read by the updater.

Why a file and not the database: the updater runs as root beside an app that may be crash-looping, and must
not open (or create root-owned pieces of) the kiosk's database to learn whether the new release started.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class HealthMark:
    version: str
    pid: int
    at: float


def mark_healthy(path: Path, version: str) -> None:
    """Record that this process, running `version`, is up (atomic replace; never raises for a bad path)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        tmp.write_text(json.dumps({"version": version, "pid": os.getpid(), "at": time.time()}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # health marking must never stop the kiosk; the updater will see no mark and roll back


def read_mark(path: Path) -> HealthMark | None:
    """The last mark, or None if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return HealthMark(str(data["version"]), int(data["pid"]), float(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
