"""Install a verified release: unpack, switch `current` atomically, restart, watch health, roll back if needed.

Why a symlink switched by rename: at every instant `current` names one complete release (the old or the
new), so a power cut during an update boots a kiosk that works. Why watch health after the restart: a
release that crashes at start would otherwise leave the branch with a kiosk systemd restarts forever.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk_app.update.bundle import Release, UpdateError, unpack
from kiosk_app.update.health import read_mark
from kiosk_app.update.status import UpdateStatus, write_status

log = logging.getLogger(__name__)
POLL_S = 0.2
RESTART_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class InstallSettings:
    """Where releases live, how the app is restarted, where it marks itself healthy and how long to wait."""

    root: Path
    restart_command: Sequence[str]
    health_file: Path
    health_timeout_s: float = 60.0

    @property
    def current(self) -> Path:
        return self.root / "current"

    @property
    def releases(self) -> Path:
        return self.root / "releases"

    @property
    def status_file(self) -> Path:
        return self.status_path(self.root)

    @staticmethod
    def status_path(root: Path) -> Path:
        """Where the last update's outcome is kept for the heartbeat."""
        return root / "last-update.json"


def current_version(settings: InstallSettings) -> str | None:
    """The version `current` points at, or None before the first release."""
    try:
        return Path(os.readlink(settings.current)).name
    except OSError:
        return None


def switch_to(settings: InstallSettings, version: str) -> None:
    """Point `current` at `releases/<version>` in one rename (atomic on POSIX)."""
    link = settings.root / ".current.switching"
    link.unlink(missing_ok=True)
    link.symlink_to(Path("releases") / version)
    os.replace(link, settings.current)


def restart(settings: InstallSettings) -> bool:
    """Run the restart command; False if it failed (the health wait then decides)."""
    try:
        done = subprocess.run(list(settings.restart_command), capture_output=True, text=True,
                              timeout=RESTART_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.warning("restart command failed: %s", exc)
        return False
    if done.returncode != 0:
        log.warning("restart command exited %d: %s", done.returncode, done.stderr.strip()[:200])
    return done.returncode == 0


def wait_healthy(settings: InstallSettings, version: str, since: float, *,
                 sleep: Callable[[float], None] = time.sleep) -> bool:
    """True once the app marks itself healthy running `version` after `since`, within the health timeout."""
    deadline = time.monotonic() + settings.health_timeout_s
    while True:
        mark = read_mark(settings.health_file)
        if mark is not None and mark.version == version and mark.at >= since:
            return True
        if time.monotonic() >= deadline:
            return False
        sleep(POLL_S)


def install(release: Release, settings: InstallSettings) -> UpdateStatus:
    """Install `release` and keep it only if the app comes up healthy on it; the outcome is recorded.

    Raises UpdateError if the release is already current or cannot be unpacked (nothing was switched then).
    """
    previous = current_version(settings)
    if previous == release.version:
        raise UpdateError(f"release {release.version} is already current")
    unpack(release, settings.releases)
    since = time.time()
    switch_to(settings, release.version)
    restart(settings)
    if wait_healthy(settings, release.version, since):
        return _record(settings, release.version, previous, "installed", "healthy after restart")
    detail = f"not healthy within {settings.health_timeout_s:g} s"
    if previous is None:
        return _record(settings, release.version, None, "failed", detail + "; no earlier release to go back to")
    log.warning("release %s %s: switching back to %s", release.version, detail, previous)
    since = time.time()
    switch_to(settings, previous)
    restart(settings)
    back = "is running" if wait_healthy(settings, previous, since) else "is not healthy either"
    return _record(settings, release.version, previous, "rolled_back", f"{detail}; the previous release {back}")


def _record(settings: InstallSettings, version: str, previous: str | None, outcome: str, detail: str) -> UpdateStatus:
    status = UpdateStatus(version, previous, outcome, datetime.now(UTC).isoformat(timespec="seconds"), detail)
    write_status(settings.status_file, status)
    log.info("update %s: %s (%s)", version, outcome, detail)
    return status
