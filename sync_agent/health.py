"""Sync health as the kiosk app and `kiosk sync status` see it: online, offline or degraded, and why.

The agent records each outcome in `sync_state` (in the same transaction as the work when there is one); this
module only reads, so another process can ask at any time without talking to the agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sync_agent import outbox, state
from sync_agent.localdb import LocalDb

HealthState = Literal["online", "offline", "degraded"]
STALE_AFTER_S = 120.0
CLOCK_WARN_S = 60.0


@dataclass(frozen=True)
class Health:
    """One snapshot of the agent's health."""

    state: HealthState
    last_pull_ok_at: str | None
    last_push_ok_at: str | None
    last_contact_at: str | None
    queue_pending: int
    queue_quarantined: int
    clock_offset_s: float | None
    resync_in_progress: bool
    reasons: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state, "last_pull_ok_at": self.last_pull_ok_at, "last_push_ok_at": self.last_push_ok_at,
            "last_contact_at": self.last_contact_at, "queue_pending": self.queue_pending,
            "queue_quarantined": self.queue_quarantined, "clock_offset_s": self.clock_offset_s,
            "resync_in_progress": self.resync_in_progress, "reasons": list(self.reasons),
        }


def _age_s(iso: str | None, now: datetime) -> float | None:
    if not iso:
        return None
    return (now - datetime.fromisoformat(iso)).total_seconds()


def _reasons(values: dict[str, Any], quarantined: int, now: datetime, stale_after_s: float) -> list[str]:
    reasons = []
    link = values.get(state.LINK) or {}
    age = _age_s(link.get("at"), now)
    if not link:
        reasons.append("offline: the agent has not reached the central service yet")
    elif not link.get("ok"):
        reasons.append(f"offline: {link.get('error') or 'central service unreachable'}")
    elif age is not None and age > stale_after_s:
        reasons.append(f"offline: no contact for {int(age)} s (is the sync agent running?)")
    if values.get(state.RESYNC):
        reasons.append("degraded: full resync in progress")
    for key in (state.PULL_ERROR, state.PUSH_ERROR):
        if values.get(key):
            reasons.append(f"degraded: {values[key]}")
    if quarantined:
        reasons.append(f"degraded: {quarantined} event(s) quarantined (rejected by the central service)")
    return reasons


def read_health(db: LocalDb, *, now: datetime | None = None, stale_after_s: float = STALE_AFTER_S) -> Health:
    """The current health, computed from what the agent recorded; `now` is injectable for tests."""
    now = now or datetime.now(UTC)
    values = state.get_all(db)
    queue = outbox.depth(db)
    reasons = _reasons(values, queue["quarantined"], now, stale_after_s)
    overall: HealthState = "online"
    if any(r.startswith("offline") for r in reasons):
        overall = "offline"
    elif reasons:
        overall = "degraded"
    offset = values.get(state.CLOCK_OFFSET)
    if offset is not None and abs(offset) > CLOCK_WARN_S:
        reasons.append(f"note: kiosk clock is {offset:+.0f} s off the server (corrected)")
    return Health(
        overall, values.get(state.LAST_PULL_OK), values.get(state.LAST_PUSH_OK),
        (values.get(state.LINK) or {}).get("at"), queue["pending"], queue["quarantined"], offset,
        bool(values.get(state.RESYNC)), tuple(reasons),
    )


def record_link(db: LocalDb, ok: bool, error: str | None = None) -> None:
    """Record whether the last exchange with the central service got through."""
    state.put(db, state.LINK, {"ok": ok, "at": state.utc_now_iso(), "error": error})
