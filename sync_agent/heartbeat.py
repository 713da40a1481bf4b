"""Heartbeat: the kiosk's health as the central service sees it, sent at an interval.

Device status comes from a provider the caller injects (the kiosk app knows its devices; the agent does
not), card stock and bin counts from the issuance tables when the provider does not give them, and the
rest (queue depth, last pull and push, clock offset, free disk) from the agent's own records. The answer's
server time feeds the clock offset.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sync_agent import outbox, state
from sync_agent.clock import ServerClock
from sync_agent.localdb import LocalDb

# XFS4IoT common states the contract's DeviceHealth has no word for are sent as the nearest one.
_STATE_MAP = {"deviceBusy": "busy", "fraudAttempt": "hardwareError", "potentialFraud": "hardwareError"}
_CONTRACT_STATES = {"online", "offline", "hardwareError", "busy", "noDevice", "userError", "powerOff"}


@dataclass(frozen=True)
class DeviceReport:
    device: str
    state: str
    detail: str = ""


@dataclass(frozen=True)
class KioskReport:
    """What the kiosk app knows and the agent does not: devices, mode, and optionally card counts."""

    devices: tuple[DeviceReport, ...] = ()
    mode: str | None = None
    card_stock: int | None = None
    bin_count: int | None = None
    last_update: dict[str, str] | None = None  # the contract's UpdateOutcome, from `kiosk update`'s record


StatusProvider = Callable[[], KioskReport]


def publish_report(db: LocalDb, report: KioskReport) -> None:
    """What the kiosk app calls when a device's state changes: `kiosk sync` (another process) reports it."""
    body = {"devices": [[d.device, d.state, d.detail] for d in report.devices], "mode": report.mode,
            "card_stock": report.card_stock, "bin_count": report.bin_count}
    state.put(db, state.KIOSK_REPORT, body)


def stored_report(db: LocalDb) -> KioskReport:
    """The kiosk app's last published report (empty if it never published one)."""
    body = state.get(db, state.KIOSK_REPORT) or {}
    devices = tuple(DeviceReport(*d) for d in body.get("devices", []))
    return KioskReport(devices, body.get("mode"), body.get("card_stock"), body.get("bin_count"))


class HeartbeatSink(Protocol):
    def heartbeat(self, body: dict[str, Any]) -> datetime: ...


def _z(iso: str | None) -> str | None:
    if not iso:
        return None
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _device(report: DeviceReport) -> dict[str, str]:
    mapped = _STATE_MAP.get(report.state, report.state)
    if mapped not in _CONTRACT_STATES:
        mapped = "hardwareError"
    body = {"device": report.device[:32], "state": mapped}
    detail = report.detail or (report.state if mapped != report.state else "")
    if detail:
        body["detail"] = detail[:200]
    return body


def _card_counts(db: LocalDb) -> dict[str, int]:
    try:
        rows = dict(db.conn.execute("SELECT unit, count FROM card_storage").fetchall())
    except Exception:  # an older schema without card storage: nothing to report
        return {}
    return {name: rows[unit] for unit, name in (("stack", "card_stock"), ("bin", "bin_count")) if unit in rows}


def build(db: LocalDb, report: KioskReport, *, app_version: str, clock: ServerClock, disk_path: str) -> dict:
    """The heartbeat body, as the contract's Heartbeat schema describes it."""
    values = state.get_all(db)
    body: dict[str, Any] = {
        "kiosk_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "app_version": app_version[:32],
        "devices": [_device(d) for d in report.devices[:32]],
        "outbox_depth": outbox.depth(db)["pending"],
        "disk_free_bytes": shutil.disk_usage(Path(disk_path).parent if disk_path != ":memory:" else "/").free,
    }
    body |= _card_counts(db)
    body |= {k: v for k, v in (("card_stock", report.card_stock), ("bin_count", report.bin_count),
                               ("mode", report.mode), ("last_update", report.last_update)) if v is not None}
    for key, name in ((state.LAST_PULL_OK, "last_pull_at"), (state.LAST_PUSH_OK, "last_push_at")):
        if values.get(key):
            body[name] = _z(values[key])
    if clock.offset_s is not None:
        body["clock_offset_ms"] = round(clock.offset_s * 1000)
    return body


def beat(db: LocalDb, sink: HeartbeatSink, provider: StatusProvider, *, app_version: str, clock: ServerClock,
         disk_path: str) -> float | None:
    """Send one heartbeat and feed its server time to the clock (the caller saves it); the new offset in seconds.

    Raises remote.Offline if the service cannot be reached.
    """
    body = build(db, provider(), app_version=app_version, clock=clock, disk_path=disk_path)
    sent = time.time()
    server_time = sink.heartbeat(body)
    clock.observe(server_time, sent, time.time())
    return clock.offset_s


@dataclass
class Interval:
    """When a periodic job is next due (monotonic clock, so a wall-clock jump changes nothing)."""

    every_s: float
    due: float = field(default=0.0)

    def ready(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now >= self.due:
            self.due = now + self.every_s
            return True
        return False
