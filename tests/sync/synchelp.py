"""Helpers of the sync tests: the kiosk handle, row comparisons with the reference service."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central_api_client import CentralClient, RetryPolicy
from central_api_client import models as m
from central_service.admin import CentralAdmin
from sync_agent import apply
from sync_agent.central import CentralRemote
from sync_agent.localdb import LocalDb
from sync_agent.pull import Puller

BRANCH = "BR001"
OTHER = "BR002"
FAST_RETRY = RetryPolicy(total=3, backoff_factor=0.01, backoff_jitter=0.01, backoff_max=0.05, retry_after_max=0.2,
                         body_retries=1)


@dataclass
class Kiosk:
    """One kiosk of BR001: its database, its client seam, and the service's admin handle."""

    url: str
    token: str
    admin: CentralAdmin
    db: LocalDb
    remote: CentralRemote
    db_path: Path

    def puller(self, **kwargs: Any) -> Puller:
        return Puller(self.db, self.remote, BRANCH, long_poll_s=kwargs.pop("long_poll_s", 0), **kwargs)

    def sync(self, puller: Puller | None = None, max_steps: int = 10_000) -> Puller:
        """Step until caught up with no resync pending."""
        puller = puller or self.puller()
        for _ in range(max_steps):
            step = puller.step()
            if step.caught_up and apply.resync_progress(self.db) is None:
                return puller
        raise AssertionError("did not catch up")


def make_client(url: str, token: str) -> CentralClient:
    return CentralClient(url, bearer_token=token, retry=FAST_RETRY, read_timeout=10)


def kiosk_rows(db: LocalDb, branch: str = BRANCH) -> dict[str, dict[str, Any]]:
    """The kiosk's live appointments of a branch, by id, as contract JSON (payloads opened: sealed on disk)."""
    rows = db.conn.execute(
        "SELECT id, payload FROM appointments WHERE branch_id = ? AND status != 'cancelled'", (branch,)
    ).fetchall()
    return {r[0]: json.loads(db.sealer.open(r[1], r[0])) for r in rows}


def server_rows(admin: CentralAdmin, branch: str = BRANCH) -> dict[str, dict[str, Any]]:
    """The service's live appointments of a branch, by id, as the kiosk must hold them (a redeemed one is
    kept without its personal data: it can never be used at a kiosk again)."""
    return {a["id"]: {} if a["status"] == "redeemed" else m.Appointment.model_validate(a).to_json()
            for a in admin.appointments(branch)}


def assert_in_step(k: Kiosk) -> None:
    """Same rows, same content, same count and digest as the server; nothing of another branch on disk."""
    assert kiosk_rows(k.db) == server_rows(k.admin)
    state = k.admin.branch_state(BRANCH)
    assert apply.branch_state(k.db, BRANCH) == (state["count"], state["digest"])
    assert k.db.conn.execute("SELECT COUNT(*) FROM appointments WHERE branch_id != ?", (BRANCH,)).fetchone()[0] == 0
