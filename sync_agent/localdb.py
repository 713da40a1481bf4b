"""The kiosk's one local database: a SQLite file shared by the kiosk app and the sync agent.

Why these settings: WAL lets the app write while the agent reads a long page; synchronous=FULL makes a
committed journal or outbox row survive a power cut; busy_timeout plus BEGIN IMMEDIATE make a second
process wait for the lock instead of failing with "database is locked"; foreign keys keep steps tied to
their session; secure_delete overwrites what retention purges (Debian's SQLite has it on, other builds may
not). The schema is an ordered list of migrations recorded in the database itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from sync_agent import schema
from sync_agent.sealing import DataKey, DataKeyError, Sealer, key_path_for, load_or_create_key

BUSY_TIMEOUT_MS = 10_000


class LocalDbError(Exception):
    """The local database cannot be opened or is not in the expected state."""


class SchemaTooNew(LocalDbError):
    """The database was migrated by a newer kiosk release than this one."""


@dataclass(frozen=True)
class DbStatus:
    """What `kiosk db status` prints."""

    path: str
    schema_version: int
    latest_version: int
    pending: tuple[str, ...]
    row_counts: dict[str, int]


class LocalDb:
    """One connection to the kiosk database; use one per thread and per process.

    Raises LocalDbError if the file cannot be opened as a SQLite database.
    """

    def __init__(self, path: str | Path, *, tracer=None, data_key: Path | None = None) -> None:
        self.path = str(path)
        self.data_key_path = data_key or (None if self.path == ":memory:" else key_path_for(self.path))
        self._sealer: Sealer | None = None
        self.data_key_created = False
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self.db = sqlite_utils.Database(conn, tracer=tracer)
            self._configure()
        except sqlite3.DatabaseError as exc:
            raise LocalDbError(f"cannot open database {self.path}: {exc}") from exc

    def _configure(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if self.path != ":memory:":
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise LocalDbError(f"{self.path}: WAL mode refused (got {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # purged personal data is overwritten, not left in free space

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @property
    def sealer(self) -> Sealer:
        """Seals the personal payloads of this database (`sync_agent.sealing`); the key is read (or made) once.

        Raises LocalDbError if the key file exists but is not a key.
        """
        if self._sealer is None:
            if self.data_key_path is None:
                key = DataKey.generate()  # an in-memory database: the key lives exactly as long
            else:
                try:
                    key, self.data_key_created = load_or_create_key(self.data_key_path)
                except (DataKeyError, OSError) as exc:
                    raise LocalDbError(f"data key: {exc}") from exc
            self._sealer = Sealer(key)
        return self._sealer

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One atomic unit of work; nests as a savepoint.

        The outermost level takes the write lock up front (BEGIN IMMEDIATE) so two processes queue on
        busy_timeout rather than deadlocking on a read-to-write upgrade.
        """
        if self.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def migrate(self, *, stop_before: str | None = None) -> list[str]:
        """Apply pending migrations; return the names applied.

        Raises SchemaTooNew if the file holds migrations this release does not know.
        """
        self._refuse_newer_schema()
        before = {m.name for m in schema.MIGRATIONS.applied(self.db)}
        with self.transaction():
            schema.MIGRATIONS.apply(self.db, stop_before=stop_before)
        after = [m.name for m in schema.MIGRATIONS.applied(self.db)]
        return [name for name in after if name not in before]

    def _refuse_newer_schema(self) -> None:
        known = set(schema.migration_names())
        unknown = [m.name for m in schema.MIGRATIONS.applied(self.db) if m.name not in known]
        if unknown:
            raise SchemaTooNew(f"{self.path} has migrations unknown to this release: {', '.join(unknown)}")

    def schema_version(self) -> int:
        """The number of migrations applied (0 for a new file)."""
        return len(schema.MIGRATIONS.applied(self.db))

    def status(self) -> DbStatus:
        """Schema version, pending migrations and row counts of every project table."""
        pending = tuple(m.name for m in schema.MIGRATIONS.pending(self.db))
        counts = {
            name: self.db[name].count
            for name in sorted(self.db.table_names())
            if not name.startswith(("_", "sqlite_"))
        }
        return DbStatus(
            self.path, self.schema_version(), len(schema.migration_names()), pending, counts
        )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> LocalDb:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_db(path: str | Path, *, migrate: bool = True) -> LocalDb:
    """Open the kiosk database and bring its schema up to date (the normal way in)."""
    db = LocalDb(path)
    if migrate:
        db.migrate()
    return db


__all__ = ["DbStatus", "LocalDb", "LocalDbError", "Migrations", "SchemaTooNew", "open_db"]
