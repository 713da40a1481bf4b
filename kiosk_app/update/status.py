"""The last update's outcome, kept beside the releases for `kiosk sync` to put into its heartbeat.

Why a file beside the releases: the updater runs as root and must not touch the kiosk's database; the
sync agent (user `kiosk`) only reads this small world-readable JSON.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Outcome = Literal["installed", "rolled_back", "failed"]


@dataclass(frozen=True)
class UpdateStatus:
    """`version` tried, `previous` the one before, how it ended, when (UTC ISO), and why."""

    version: str
    previous: str | None
    outcome: str
    at: str
    detail: str = ""

    def as_heartbeat(self) -> dict[str, str]:
        """The contract's `Heartbeat.last_update` object."""
        body = {"version": self.version[:32], "outcome": self.outcome, "at": self.at}
        if self.previous:
            body["previous"] = self.previous[:32]
        return body


def write_status(path: Path, status: UpdateStatus) -> None:
    """Replace the status file atomically (mode 0644: the sync agent reads it)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(asdict(status), ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def read_status(path: Path) -> UpdateStatus | None:
    """The last recorded outcome, or None if there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return UpdateStatus(str(data["version"]), data.get("previous"), str(data["outcome"]), str(data["at"]),
                            str(data.get("detail", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
