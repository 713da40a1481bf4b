"""The branch's lobby-manager credentials from the central staff directory into the kiosk database.

Why a full list every few seconds rather than rows in the appointment feed: the list is a few dozen rows, a
revocation must reach every kiosk within a minute even while the feed is idle, and replacing the whole copy in one
transaction can never leave a revoked PIN behind. `version` only skips the write when nothing moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sync_agent import state
from sync_agent.localdb import LocalDb

VERSION = "staff_credentials_version"


@dataclass(frozen=True)
class StaffCredential:
    staff_id: str
    pin_hash: str | None
    revoked: bool


class CredentialSource(Protocol):
    def staff_credentials(self, branch_id: str) -> tuple[int, list[StaffCredential]]: ...


def apply(db: LocalDb, version: int, credentials: list[StaffCredential]) -> bool:
    """Replace the kiosk's copy with the directory's list of `version`; False if it was that version already."""
    if state.get(db, VERSION) == version:
        return False
    now = state.utc_now_iso()
    with db.transaction() as d:
        d.execute("DELETE FROM staff_credentials")
        d.conn.executemany(
            "INSERT INTO staff_credentials (staff_id, pin_hash, revoked, version, updated_at) VALUES (?,?,?,?,?)",
            [(c.staff_id, None if c.revoked else c.pin_hash, int(c.revoked), version, now) for c in credentials])
        state.put(db, VERSION, version)
    return True

