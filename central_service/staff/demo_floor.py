"""A lived-in branch for the demo, the screenshots and the floor benchmark: kiosks that heart-beat and push
session events over the real kiosk API, today's appointments across the slots, a staff call, hand-offs and a
triaged walk-in. Everything goes through the same routes a kiosk uses, so the pages show what production would.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from central_api_client import CentralClient
from central_api_client import models as m
from central_service.admin import CentralAdmin
from central_service.staff.triage import Triage

HEALTHY = [("idcard", "online"), ("scanner", "online"), ("dispenser", "online"), ("chip", "online"),
           ("pinpad", "online"), ("printer", "online")]


@dataclass
class DemoKiosk:
    kiosk_id: str
    token: str = field(repr=False)
    client: CentralClient = field(repr=False)

    def event(self, event_kind: str, **payload: Any) -> None:
        """Push one event now (as the sync agent would, with its own idempotency key)."""
        event = m.Event(idempotency_key=str(uuid.uuid4()), stream="session-events", kind=event_kind,
                        occurred_at=datetime.now(UTC), payload={"kiosk_id": self.kiosk_id, **payload})
        self.client.push_events([event])

    def beat(self, *, stock: int = 180, bin_count: int = 1, mode: str = "open",
             devices: list[tuple[str, str, str | None]] | None = None) -> None:
        found = devices or [(d, s, None) for d, s in HEALTHY]
        self.client.heartbeat(m.Heartbeat(
            kiosk_time=datetime.now(UTC), app_version="0.1.0", outbox_depth=0, card_stock=stock, bin_count=bin_count,
            mode=mode, devices=[m.DeviceHealth(device=d, state=s, detail=x) for d, s, x in found]))  # type: ignore[arg-type]


def add_kiosks(url: str, admin: CentralAdmin, branch_id: str, names: list[str]) -> list[DemoKiosk]:
    """Kiosks of the branch, each with its own bearer token, as enrolment would make them."""
    found = []
    for name in names:
        kiosk, token = admin.add_kiosk(branch_id, name)
        found.append(DemoKiosk(kiosk.kiosk_id, token, CentralClient(url, bearer_token=token)))
    return found


def _slot(zone: ZoneInfo, hour: int) -> str:
    local = datetime.now(zone).replace(hour=hour, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def populate(url: str, admin: CentralAdmin, branch_id: str, zone: ZoneInfo, *,
             staff_id: str = "M101") -> list[DemoKiosk]:
    """Three kiosks (one calling for help, one short of paper and cards), appointments in every state, two
    hand-offs and a triaged walk-in. Returns the kiosks (their clients stay open; close them when done)."""
    kiosks = add_kiosks(url, admin, branch_id, ["1号机", "2号机", "3号机"])
    one, two, three = kiosks
    one.beat()
    two.beat(stock=64)
    three.beat(stock=12, devices=[*[(d, s, None) for d, s in HEALTHY[:5]], ("printer", "userError", "paper out")])
    made = [admin.create_appointment(branch_id, scheduled_for=_slot(zone, hour), rng_seed=hour * 7 + n)
            for n, hour in enumerate([9, 9, 10, 10, 11, 13, 14, 15, 16, 16])]
    done, at_kiosk, calling, refused = made[0], made[2], made[3], made[4]
    one.event("session_started", session_id="s-demo-1", kind="appointment", appointment_id=done["id"])
    one.event("account_opened", session_id="s-demo-1")
    one.event("session_ended", session_id="s-demo-1", outcome="completed")
    admin.update_appointment(done["id"], status="redeemed")
    one.event("session_started", session_id="s-demo-2", kind="appointment", appointment_id=at_kiosk["id"])
    one.event("session_step", session_id="s-demo-2", state="risk_assessment")
    two.event("session_started", session_id="s-demo-3", kind="appointment", appointment_id=calling["id"])
    two.event("session_step", session_id="s-demo-3", state="staff_needed")
    two.event("staff_requested", session_id="s-demo-3", reason="under_age", resume="await_id_card")
    three.event("session_started", session_id="s-demo-4", kind="appointment", appointment_id=refused["id"])
    three.event("staff_requested", session_id="s-demo-4", reason="id_mismatch", resume="await_id_card")
    three.event("staff_decision", session_id="s-demo-4", staff_id=staff_id, reason="id_mismatch", approve=False)
    three.event("session_ended", session_id="s-demo-4", outcome="refused:id_mismatch")
    three.event("session_started", session_id="s-demo-5", kind="walk_in", appointment_id=None)
    three.event("card_retained", session_id="s-demo-5", pan_masked="622202*********0123", reason="not_taken")
    three.event("session_ended", session_id="s-demo-5", outcome="refused:card_not_taken")
    admin.cancel_appointment(made[6]["id"])
    Triage(admin.store.db).send(branch_id, "A023", "counter-2", staff_id, set())
    return kiosks


def close(kiosks: list[DemoKiosk]) -> None:
    for kiosk in kiosks:
        kiosk.client.close()


__all__ = ["DemoKiosk", "add_kiosks", "close", "populate"]
