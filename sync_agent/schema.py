"""The local schema as an ordered list of migrations (sqlite-utils `Migrations`).

Never edit a migration that has shipped: add a new one. Each is small so that a test can stop before any
of them, put data in, and prove the rest carry the data forward.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("branch-kiosk")


@MIGRATIONS()
def m001_appointments(db: Database) -> None:
    """Appointments mirrored from the central service, and the change-feed cursor per stream."""
    db.execute(
        """CREATE TABLE appointments (
            id TEXT PRIMARY KEY,
            branch_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            payload TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute("CREATE INDEX appointments_branch ON appointments(branch_id, status)")
    db.execute(
        """CREATE TABLE sync_cursors (
            stream TEXT PRIMARY KEY,
            cursor TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )


@MIGRATIONS()
def m002_sessions(db: Database) -> None:
    """Kiosk sessions and the steps each went through; `data` holds purgeable personal data."""
    db.execute(
        """CREATE TABLE kiosk_sessions (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            appointment_id TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT,
            outcome TEXT,
            data TEXT NOT NULL DEFAULT '{}',
            purged_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE session_steps (
            id INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL REFERENCES kiosk_sessions(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            at TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '{}'
        )"""
    )
    db.execute("CREATE INDEX session_steps_session ON session_steps(session_id)")


@MIGRATIONS()
def m003_journal(db: Database) -> None:
    """The electronic journal: append-only, sequence-numbered, hash-chained; the head anchors the tail."""
    db.execute(
        """CREATE TABLE journal (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            kind TEXT NOT NULL,
            session_id TEXT,
            record TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        )"""
    )
    db.execute(
        "CREATE TABLE journal_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal "
        "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal "
        "BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END"
    )


@MIGRATIONS()
def m004_outbox(db: Database) -> None:
    """Events waiting to reach the central service; the idempotency key is made with the row."""
    db.execute(
        """CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            stream TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'acked', 'quarantined')),
            last_error TEXT,
            acked_at TEXT,
            response TEXT
        )"""
    )
    db.execute("CREATE INDEX outbox_pending ON outbox(state, stream, id)")


@MIGRATIONS()
def m005_cards_and_tokens(db: Database) -> None:
    """Issued debit cards (masked PAN only) and QR tokens already redeemed here (one-time use)."""
    db.execute(
        """CREATE TABLE issued_cards (
            id INTEGER PRIMARY KEY,
            session_id TEXT REFERENCES kiosk_sessions(id),
            pan_masked TEXT,
            location TEXT NOT NULL,
            state TEXT NOT NULL,
            bind_key TEXT UNIQUE,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE used_tokens (
            token_id TEXT PRIMARY KEY,
            appointment_id TEXT NOT NULL,
            used_at TEXT NOT NULL
        )"""
    )


def migration_names() -> list[str]:
    """Every migration this release knows, in order."""
    return [m.name for m in MIGRATIONS._migrations]


@MIGRATIONS()
def m006_sync_agent_state(db: Database) -> None:
    """The sync agent's own state (health, resync progress, clock offset) and a resync mark per appointment.

    `sync_epoch` lets a full resync be applied in short slices: rows the new snapshot did not touch are the
    ones the server no longer has, and are swept at the end.
    """
    db.execute("ALTER TABLE appointments ADD COLUMN sync_epoch INTEGER NOT NULL DEFAULT 0")
    db.execute(
        """CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )


@MIGRATIONS()
def m007_card_storage(db: Database) -> None:
    """The kiosk's count of blank cards in the dispenser's stack and of cards in its capture bin.

    The dispenser only reports empty/low/enough, so the kiosk keeps the count; every change is written in the
    same transaction as the issuance journal row that explains it. Open issuances are found by location.
    """
    db.execute(
        """CREATE TABLE card_storage (
            unit TEXT PRIMARY KEY CHECK (unit IN ('stack', 'bin')),
            count INTEGER NOT NULL CHECK (count >= 0),
            updated_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX issued_cards_location ON issued_cards(location, state)")


@MIGRATIONS()
def m008_outbox_by_session(db: Database) -> None:
    """Find a session's outbox events by the `session_id` in their payload (retention asks for every session)."""
    db.execute("CREATE INDEX outbox_session ON outbox(json_extract(payload, '$.session_id'))")


@MIGRATIONS()
def m009_staff_credentials(db: Database) -> None:
    """Lobby managers' kiosk PIN hashes and revocations from the central staff directory (the source; the
    per-kiosk staff file only serves ids the directory does not know, e.g. on a kiosk that never synced)."""
    db.execute(
        """CREATE TABLE staff_credentials (
            staff_id TEXT PRIMARY KEY,
            pin_hash TEXT,
            revoked INTEGER NOT NULL CHECK (revoked IN (0, 1)),
            version INTEGER NOT NULL,
            updated_at TEXT NOT NULL
        )"""
    )
    # The pusher looks for a waiting staff call every 50 ms while idle: one index probe, whatever the backlog.
    db.execute("CREATE INDEX outbox_urgent ON outbox(state, kind, id)")
