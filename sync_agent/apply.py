"""Applying the change feed to the local database: one page and its cursor per transaction.

Why this shape: a crash (even SIGKILL) between two pages loses at most the page in flight, because the rows
and the cursor that follows them commit together; re-applying a page after a crash is harmless because an
upsert never replaces a newer version. A full resync (cursor too old, or a checksum that shows divergence) is
applied the same way, page by page, each row stamped with the resync's epoch; rows the snapshot did not
stamp are the ones the server no longer has and are swept at the end, in slices, exactly as a tombstone
would: marked cancelled with their personal data removed. Only `appointments` of the
kiosk's own branch are touched: the outbox, sessions, journal and tokens (the unsent local rows) never are.
Payloads are sealed (`sync_agent.sealing`) as they are written; rows the current key cannot open (the key
file was lost, or they were written before sealing) make the puller rebuild the branch (`unreadable_rows`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sync_agent import state
from sync_agent.localdb import LocalDb
from sync_agent.sealing import EMPTY, Sealer

SWEEP_SLICE = 2000

_UPSERT = (
    "INSERT INTO appointments (id, branch_id, kind, status, version, updated_at, payload, sync_epoch) "
    "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET branch_id = excluded.branch_id, "
    "kind = excluded.kind, status = excluded.status, version = excluded.version, "
    "updated_at = excluded.updated_at, payload = excluded.payload, sync_epoch = excluded.sync_epoch"
)
# The feed may bring an older version than a targeted fetch already stored: keep the newer one.
_UPSERT_NEWER = _UPSERT + " WHERE excluded.version >= appointments.version"


class ForeignBranchRow(Exception):
    """The server sent a row of another branch; the page is refused and nothing of it is written."""


@dataclass(frozen=True)
class FeedRow:
    """One appointment as the feed delivers it, ready for the table (payload already canonical JSON)."""

    id: str
    branch_id: str
    kind: str
    status: str
    version: int
    updated_at: str
    payload_json: str = field(repr=False)

    def as_params(self, epoch: int, sealer: Sealer) -> tuple:
        """The row's values for `_UPSERT`, its personal payload sealed to the row."""
        return (self.id, self.branch_id, self.kind, self.status, self.version, self.updated_at,
                sealer.seal(self.payload_json, self.id), epoch)


@dataclass(frozen=True)
class ApplyStats:
    rows: int
    seconds: float


def feed_stream(branch_id: str) -> str:
    """The `sync_cursors.stream` name of a branch's appointment feed."""
    return f"appointments:{branch_id}"


def stored_cursor(db: LocalDb, branch_id: str) -> str | None:
    row = db.conn.execute("SELECT cursor FROM sync_cursors WHERE stream = ?", (feed_stream(branch_id),)).fetchone()
    return row[0] if row else None


def current_epoch(db: LocalDb) -> int:
    return int(state.get(db, state.EPOCH, 0))


def _check_branch(rows: Sequence[FeedRow], branch_id: str) -> None:
    for row in rows:
        if row.branch_id != branch_id:
            raise ForeignBranchRow(f"feed row {row.id} belongs to branch {row.branch_id}, not {branch_id}")


def _store_cursor(db: LocalDb, branch_id: str, cursor: str, now: str) -> None:
    db.conn.execute(
        "INSERT INTO sync_cursors (stream, cursor, updated_at) VALUES (?,?,?) ON CONFLICT(stream) "
        "DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        (feed_stream(branch_id), cursor, now),
    )


@dataclass(frozen=True)
class Tombstone:
    """A cancelled appointment: no personal data, no branch (the update is scoped to the kiosk's branch)."""

    id: str
    version: int
    updated_at: str


_TOMBSTONE = (
    "UPDATE appointments SET status = 'cancelled', payload = '{}', version = ?, updated_at = ? "
    "WHERE id = ? AND branch_id = ? AND version <= ?"
)


def _tombstone_params(tombstones: Sequence[Tombstone], branch_id: str) -> list[tuple]:
    return [(t.version, t.updated_at, t.id, branch_id, t.version) for t in tombstones]


def apply_page(
    db: LocalDb, branch_id: str, rows: Sequence[FeedRow], tombstones: Sequence[Tombstone], next_cursor: str
) -> ApplyStats:
    """Apply one feed page and its cursor atomically.

    Raises ForeignBranchRow (before writing anything) if a row belongs to another branch.
    """
    _check_branch(rows, branch_id)
    epoch = current_epoch(db)
    params = [row.as_params(epoch, db.sealer) for row in rows]
    dead = _tombstone_params(tombstones, branch_id)
    now = state.utc_now_iso()
    started = time.perf_counter()
    with db.transaction():
        db.conn.executemany(_UPSERT_NEWER, params)
        if dead:
            db.conn.executemany(_TOMBSTONE, dead)
        _store_cursor(db, branch_id, next_cursor, now)
        state.put(db, state.LAST_PULL_OK, now)
        state.delete(db, state.PULL_ERROR)
    return ApplyStats(len(rows) + len(dead), time.perf_counter() - started)


def resync_progress(db: LocalDb) -> dict | None:
    """The resync in progress (epoch, snapshot cursor, next page token, phase), or None."""
    return state.get(db, state.RESYNC)


def begin_resync(db: LocalDb, reason: str) -> dict:
    """Start a full resync (or resume the one in progress): a new epoch, the snapshot read from its start."""
    current = resync_progress(db)
    if current:
        return current
    progress = {"epoch": current_epoch(db) + 1, "cursor": None, "page_token": None, "phase": "fetch",
                "reason": reason}
    state.put(db, state.RESYNC, progress)
    return progress


def restart_resync(db: LocalDb, reason: str) -> dict:
    """Read the snapshot again from its start (it expired, or the service moved under it), under a NEW epoch.

    A new epoch matters: rows stamped by the abandoned snapshot may since have left the server, and the sweep
    must not mistake them for rows the new snapshot brought.
    """
    current = resync_progress(db) or {"epoch": current_epoch(db)}
    progress = {"epoch": current["epoch"] + 1, "cursor": None, "page_token": None, "phase": "fetch",
                "reason": reason}
    state.put(db, state.RESYNC, progress)
    return progress


def apply_snapshot_page(
    db: LocalDb, branch_id: str, rows: Sequence[FeedRow], cursor: str, next_page_token: str | None
) -> ApplyStats:
    """Apply one snapshot page with the resync's progress: the server's rows win outright, stamped.

    Raises ForeignBranchRow (before writing anything) if a row belongs to another branch.
    """
    _check_branch(rows, branch_id)
    progress = dict(resync_progress(db) or {})
    params = [row.as_params(progress["epoch"], db.sealer) for row in rows]
    progress.update(cursor=cursor, page_token=next_page_token, phase="fetch" if next_page_token else "sweep")
    started = time.perf_counter()
    with db.transaction():
        db.conn.executemany(_UPSERT, params)
        state.put(db, state.RESYNC, progress)
        state.put(db, state.LAST_PULL_OK, state.utc_now_iso())
        state.delete(db, state.PULL_ERROR)
    return ApplyStats(len(rows), time.perf_counter() - started)


def finish_resync(db: LocalDb, branch_id: str) -> int:
    """Cancel (and strip) the rows the snapshot did not bring, in slices, then follow the feed from its cursor."""
    progress = dict(resync_progress(db) or {})
    swept = 0
    while True:
        with db.transaction():
            n = db.conn.execute(
                "UPDATE appointments SET status = 'cancelled', payload = '{}' WHERE rowid IN (SELECT rowid "
                "FROM appointments WHERE branch_id = ? AND sync_epoch != ? AND status != 'cancelled' LIMIT ?)",
                (branch_id, progress["epoch"], SWEEP_SLICE),
            ).rowcount
        swept += n
        if n < SWEEP_SLICE:
            break
    with db.transaction():
        _store_cursor(db, branch_id, progress["cursor"], state.utc_now_iso())
        state.put(db, state.EPOCH, progress["epoch"])
        state.delete(db, state.RESYNC)
    return swept


def branch_count(db: LocalDb, branch_id: str) -> int:
    """The number of the branch's live appointments (the cheap half of `branch_state`)."""
    return db.conn.execute(
        "SELECT COUNT(*) FROM appointments WHERE branch_id = ? AND status != 'cancelled'", (branch_id,)
    ).fetchone()[0]


def branch_state(db: LocalDb, branch_id: str) -> tuple[int, str]:
    """(count, digest) of the branch's live appointments, as the contract defines them for the feed's last page.

    The digest is SHA-256 over the lines "{id}:{version}\n" of the non-cancelled rows sorted by id (byte
    order, which is the column's BINARY collation).
    """
    digest, count = hashlib.sha256(), 0
    rows = db.conn.execute(
        "SELECT id, version FROM appointments WHERE branch_id = ? AND status != 'cancelled' "
        "ORDER BY id", (branch_id,),
    )
    for appointment_id, version in rows:
        digest.update(f"{appointment_id}:{version}\n".encode())
        count += 1
    return count, digest.hexdigest()


def store_row(db: LocalDb, branch_id: str, row: FeedRow) -> None:
    """Store one appointment fetched outside the feed (by token, or as a redeem answer), never over a newer one.

    Stamped with the running resync's epoch, if any, so the resync's sweep keeps it.
    Raises ForeignBranchRow if it belongs to another branch.
    """
    _check_branch([row], branch_id)
    progress = resync_progress(db)
    epoch = progress["epoch"] if progress else current_epoch(db)
    with db.transaction():
        db.conn.execute(_UPSERT_NEWER, row.as_params(epoch, db.sealer))


def unreadable_rows(db: LocalDb, branch_id: str) -> bool:
    """Whether some live row of the branch holds a payload the current key cannot open: sealed under another
    key (the key file was lost and a new one made) or never sealed (written by a release before sealing)."""
    pattern, ours = db.sealer.foreign_pattern()
    row = db.conn.execute(
        "SELECT 1 FROM appointments WHERE branch_id = ? AND payload != ? AND "
        "(payload NOT LIKE ? OR substr(payload, 1, ?) != ?) LIMIT 1",
        (branch_id, EMPTY, pattern, len(ours), ours),
    ).fetchone()
    return row is not None
