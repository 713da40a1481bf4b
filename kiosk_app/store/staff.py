"""Reading the lobby managers' credentials the sync agent copied from the central staff directory.

The directory is the source: an id it knows is decided by its row (a revoked row refuses every PIN); only an
id it does not know falls back to the per-kiosk staff file (`kiosk staff set-pin`, for a kiosk that is offline
or has never synced).
"""

from __future__ import annotations

from dataclasses import dataclass

from sync_agent.localdb import LocalDb


@dataclass(frozen=True)
class DirectoryEntry:
    pin_hash: str | None
    revoked: bool


class DirectoryPins:
    """Lookups on the kiosk's copy of the directory; one short read per login attempt."""

    def __init__(self, db: LocalDb) -> None:
        self.db = db

    def __call__(self, staff_id: str) -> DirectoryEntry | None:
        row = self.db.conn.execute("SELECT pin_hash, revoked FROM staff_credentials WHERE staff_id = ?",
                                   (staff_id,)).fetchone()
        return None if row is None else DirectoryEntry(row[0], bool(row[1]))
