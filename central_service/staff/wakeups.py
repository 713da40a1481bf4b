"""The change-hub keys the floor and the kiosks' staff-call long-polls wait on.

Why separate keys from the branch id: the branch id wakes every kiosk's feed long-poll; a staff call must
wake only the floor views of that branch and the calling kiosk's long-poll. `Database.touch` carries any key to
every worker (PostgreSQL NOTIFY payload), so these work across worker processes too.
"""

from __future__ import annotations


def floor_key(branch_id: str) -> str:
    return f"floor:{branch_id}"


def floor_beats_key(branch_id: str) -> str:
    """Heartbeats of the branch's kiosks: the floor re-renders for them at most once a second."""
    return f"floor-beats:{branch_id}"


def kiosk_calls_key(kiosk_id: str) -> str:
    return f"calls:{kiosk_id}"
