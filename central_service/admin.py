"""The test and demo handle on a running appointment service: seed, script changes, arm faults, read counters.

`CentralAdmin` works in-process (what `running_central` returns); `AdminClient` offers the same calls over
the admin HTTP endpoint (X-Admin-Token), for a service in another process. Neither is part of the kiosk
contract.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import requests

from central_service.faults import Fault
from central_service.seed import Seeded, generate, make_appointment
from central_service.store import Kiosk

if TYPE_CHECKING:
    from central_service.central import Central


class CentralAdmin:
    """In-process control of a appointment service."""

    def __init__(self, central: Central, base_url: str = "") -> None:
        self.central = central
        self.store = central.store
        self.base_url = base_url

    # --- kiosks --------------------------------------------------------------------------------------------

    def add_kiosk(self, branch_id: str, name: str | None = None) -> tuple[Kiosk, str]:
        """A kiosk of `branch_id` and its bearer token."""
        return self.store.add_kiosk(branch_id, name)

    def enrolment_code(self, branch_id: str, ttl_s: float = 3600) -> str:
        return self.store.new_enrolment_code(branch_id, ttl_s)

    def revoke_kiosk(self, kiosk_id: str) -> None:
        self.store.revoke_kiosk(kiosk_id)

    # --- appointments --------------------------------------------------------------------------------------

    def seed(self, branches: list[str], per_branch: int, *, rng_seed: int | None = None,
             with_tokens: bool = True) -> list[Seeded]:
        """Insert realistic appointments (one transaction) and return them with their QR tokens."""
        docs = list(generate(branches, per_branch, rng_seed=rng_seed, now=self.store.clock()))
        self.store.put_appointments_bulk(docs)
        return [Seeded(d["id"], d["branch_id"], d["kind"],
                       self.token_for(d["id"]) if with_tokens else None) for d in docs]

    def create_appointment(self, branch_id: str, kind: str = "individual", *, rng_seed: int | None = None,
                           **overrides: Any) -> dict[str, Any]:
        """A new booked appointment at a new feed position."""
        doc = make_appointment(random.Random(rng_seed), branch_id, kind, self.store.clock().replace(microsecond=0))
        return self.store.put_appointment({**doc, **overrides})

    def update_appointment(self, appointment_id: str, **changes: Any) -> dict[str, Any]:
        """Change fields (e.g. customer=..., services=...); bumps version. Raises KeyError if unknown."""
        with self.store.db.tx():
            doc = self.store.get_appointment(appointment_id, for_update=True)
            if doc is None:
                raise KeyError(appointment_id)
            return self.store.put_appointment({**doc, **changes})

    def cancel_appointment(self, appointment_id: str) -> dict[str, Any]:
        return self.update_appointment(appointment_id, status="cancelled")

    def token_for(self, appointment_id: str, *, valid_for: timedelta = timedelta(days=7)) -> str:
        """A QR token for an existing appointment. Raises KeyError if unknown."""
        doc = self.store.get_appointment(appointment_id)
        if doc is None:
            raise KeyError(appointment_id)
        return self.central.sign_token(appointment_id, doc["branch_id"], valid_for=valid_for)

    def appointments(self, branch_id: str, *, include_cancelled: bool = False) -> list[dict[str, Any]]:
        """The branch's appointments as the service holds them, by id."""
        return self.store.appointments(branch_id, include_cancelled=include_cancelled)

    def branch_state(self, branch_id: str) -> dict[str, Any]:
        count, digest = self.store.branch_state(branch_id)
        return {"count": count, "digest": digest}

    def purge_tombstones(self, branch_id: str) -> int:
        """Forget cancelled appointments; older cursors get 410 cursor-too-old."""
        return self.store.purge_tombstones(branch_id)

    # --- rules, faults, counters ---------------------------------------------------------------------------

    def set_person(self, id_number: str, *, blocklisted: bool | None = None, holds_class1: bool | None = None,
                   outcome: str | None = None) -> None:
        """Identity-service answers for one person (outcome: match, no_match, needs_staff)."""
        rules = {k: v for k, v in (("blocklisted", blocklisted), ("holds_class1", holds_class1),
                                   ("outcome", outcome)) if v is not None}
        self.central.core.set_person(id_number, **rules)  # type: ignore[attr-defined]

    def core_outage(self, operation: str = "*", times: int = 1) -> None:
        """The simulated core bank fails the next `times` calls of `operation` (a port method or "*")."""
        self.central.core.fail_next(operation, times)  # type: ignore[attr-defined]

    def arm_fault(self, route: str, kind: str, **params: Any) -> None:
        """Misbehave on the next request(s) of `route` (operationId or "*"); see faults.Fault."""
        self.central.faults.arm(route, Fault(kind, **params))

    def clear_faults(self, route: str | None = None) -> None:
        self.central.faults.clear(route)

    def event_keys(self, branch_id: str) -> list[str]:
        """The idempotency keys of the events applied for a branch, in arrival order."""
        return self.store.event_keys(branch_id)

    def stats(self) -> dict[str, Any]:
        """Counters for tests: keys applied, replays, conflicts, events applied/replayed, faults fired."""
        counters = dict(self.store.counters)
        return {
            "keys_applied": counters.get("keys_applied", 0), "replays": counters.get("replays", 0),
            "key_conflicts": counters.get("key_conflicts", 0),
            "events_applied": counters.get("events_applied", 0),
            "events_replayed": counters.get("events_replayed", 0),
            "event_key_conflicts": counters.get("event_key_conflicts", 0),
            "events_stored": self.store.count("events"), "appointments": self.store.count("appointments"),
            "heartbeats": self.store.count("heartbeats"), "faults_fired": dict(self.central.faults.fired),
            "faults_armed": self.central.faults.armed(),
            "long_polls_parked": self.central.hub.parked,
        }


class AdminClient:
    """The admin calls over HTTP, for a appointment service running in another process."""

    def __init__(self, base_url: str, admin_token: str, timeout: float = 30.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["X-Admin-Token"] = admin_token

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json() if response.content else None

    def seed(self, branches: list[str], per_branch: int, *, rng_seed: int | None = None,
             with_tokens: bool = False) -> list[dict[str, Any]]:
        body = {"branches": branches, "per_branch": per_branch, "rng_seed": rng_seed, "with_tokens": with_tokens}
        return self._call("POST", "/admin/seed", body)["seeded"]

    def create_appointment(self, branch_id: str, kind: str = "individual") -> dict[str, Any]:
        return self._call("POST", "/admin/appointments", {"branch_id": branch_id, "kind": kind})

    def update_appointment(self, appointment_id: str, **changes: Any) -> dict[str, Any]:
        return self._call("PATCH", f"/admin/appointments/{appointment_id}", changes)

    def cancel_appointment(self, appointment_id: str) -> dict[str, Any]:
        return self.update_appointment(appointment_id, status="cancelled")

    def token_for(self, appointment_id: str) -> str:
        return self._call("POST", f"/admin/appointments/{appointment_id}/token")["token"]

    def add_kiosk(self, branch_id: str) -> dict[str, Any]:
        return self._call("POST", "/admin/kiosks", {"branch_id": branch_id})

    def enrolment_code(self, branch_id: str) -> str:
        return self._call("POST", "/admin/enrolment-codes", {"branch_id": branch_id})["code"]

    def purge_tombstones(self, branch_id: str) -> int:
        return self._call("POST", f"/admin/branches/{branch_id}/purge-tombstones")["purged"]

    def branch_state(self, branch_id: str) -> dict[str, Any]:
        return self._call("GET", f"/admin/branches/{branch_id}/state")

    def appointments(self, branch_id: str) -> list[dict[str, Any]]:
        return self._call("GET", f"/admin/branches/{branch_id}/appointments")["appointments"]

    def event_keys(self, branch_id: str) -> list[str]:
        return self._call("GET", f"/admin/branches/{branch_id}/event-keys")["keys"]

    def arm_fault(self, route: str, kind: str, **params: Any) -> None:
        self._call("PUT", f"/admin/faults/{route}", asdict(Fault(kind, **params)))

    def clear_faults(self) -> None:
        self._call("DELETE", "/admin/faults")

    def core_outage(self, operation: str = "*", times: int = 1) -> None:
        self._call("POST", "/admin/core-outage", {"operation": operation, "times": times})

    def revoke_kiosk(self, kiosk_id: str) -> None:
        self._call("POST", f"/admin/kiosks/{kiosk_id}/revoke")

    def set_person(self, id_number: str, **rules: Any) -> None:
        self._call("PUT", f"/admin/people/{id_number}", rules)

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/admin/stats")

    def close(self) -> None:
        self.session.close()
