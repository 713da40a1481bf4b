"""What the floor and the counter learn from the events kiosks push: staff calls open and close, ended
sessions become hand-offs. Called once per newly applied event, inside its transaction."""

from __future__ import annotations

from typing import Any

from central_service.staff.calls import StaffCalls
from central_service.staff.handoffs import Handoffs
from central_service.store import Store


def on_kiosk_event(store: Store, branch_id: str, kiosk_id: str, event: dict[str, Any]) -> None:
    """React to one event (stream, kind, occurred_at, payload) of `kiosk_id`."""
    db, clock = store.db, store.clock
    kind, payload = event["kind"], event["payload"]
    if not isinstance(payload, dict):
        return
    session_id = payload.get("session_id")
    session_id = session_id if isinstance(session_id, str) and session_id else None
    if kind == "staff_requested":
        StaffCalls(db, clock=clock).open(branch_id, kiosk_id, session_id, str(payload.get("reason") or "unknown"),
                            str(event["occurred_at"]))
    elif kind == "staff_decision" and session_id:
        StaffCalls(db, clock=clock).close_session(branch_id, kiosk_id, session_id)
    elif kind == "session_ended" and session_id:
        StaffCalls(db, clock=clock).close_session(branch_id, kiosk_id, session_id)
        outcome = str(payload.get("outcome") or "unknown")
        Handoffs(db, clock=clock, fields=store.fields).session_ended(branch_id, kiosk_id, session_id, outcome,
                                                                     str(event["occurred_at"]))

