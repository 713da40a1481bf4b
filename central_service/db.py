"""The engine and its transactions: nested write transactions, commit hooks, the same code on both stores.

SQLite (embedded default): WAL, `BEGIN IMMEDIATE` for every write transaction and one process-wide writer
lock, so writes are serial and feed sequence numbers are taken in commit order. PostgreSQL (fleets): READ
COMMITTED; feed order comes from the per-branch row lock taken in `store.next_seq` (SELECT ... FOR UPDATE),
held until commit. Why sync Core in a threadpool rather than an async driver: the routes are short
statements; Starlette already runs sync endpoints in its threadpool, and only long-polls need to be async
(they await an asyncio event and hold no thread, see changes.py).
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from central_service.changes import CHANNEL

_current: contextvars.ContextVar[Connection | None] = contextvars.ContextVar("central_tx", default=None)
_snapshot: contextvars.ContextVar[Connection | None] = contextvars.ContextVar("central_snapshot", default=None)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for `url` (sqlite:///PATH or postgresql://...), configured for this service."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=pool_size, max_overflow=20)
        _sqlite_pragmas(engine)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_size=pool_size, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, open transactions, so a write can say BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA secure_delete=ON")  # purged personal data is overwritten, not left in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get("central_write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One engine, nesting write transactions per task/thread, and hooks that run after each commit."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._writer = threading.Lock() if not self.is_postgres else None
        self._after_commit: list[Callable[[set[str]], None]] = []
        # The process's FieldCipher for this database (central_service.crypto.cipher_for): personal columns of
        # every store module are sealed with it. Set once by the service's assembly; tests get an in-memory one.
        self.fields: Any = None
        self._touched: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("central_touched",
                                                                                        default=None)

    def on_commit(self, hook: Callable[[set[str]], None]) -> None:
        """Call `hook(branch_ids)` after every commit that changed something a long-poll may wait for."""
        self._after_commit.append(hook)

    def touch(self, branch_id: str) -> None:
        """Mark `branch_id` changed by the current transaction (its long-polls wake after the commit)."""
        touched = self._touched.get()
        if touched is not None:
            touched.add(branch_id)

    @contextlib.contextmanager
    def tx(self) -> Iterator[Connection]:
        """A write transaction; nested calls join the outer one. Rolls back on any exception."""
        outer = _current.get()
        if outer is not None:
            yield outer
            return
        touched: set[str] = set()
        with self._writer or contextlib.nullcontext():
            conn_token = None
            with self.engine.connect().execution_options(central_write=True) as conn:
                conn_token, touch_token = _current.set(conn), self._touched.set(touched)
                try:
                    with conn.begin():
                        yield conn
                        if touched and self.is_postgres:  # delivered to every worker only if this commits
                            for branch_id in sorted(touched):
                                conn.execute(text("SELECT pg_notify(:channel, :branch)"),
                                             {"channel": CHANNEL, "branch": branch_id})
                finally:
                    _current.reset(conn_token)
                    self._touched.reset(touch_token)
        if touched:
            for hook in self._after_commit:
                hook(touched)

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        """A read: inside a write transaction or a snapshot, that one; else a fresh connection."""
        outer = _current.get() or _snapshot.get()
        if outer is not None:
            yield outer
            return
        with self.engine.connect() as conn:
            yield conn
            conn.rollback()

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """Several reads that see one committed state (REPEATABLE READ on PostgreSQL; one read transaction on
        SQLite's WAL), e.g. a feed page and the branch state it reports."""
        outer = _current.get() or _snapshot.get()
        if outer is not None:
            yield outer
            return
        with self.engine.connect() as conn:
            if self.is_postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            token = _snapshot.set(conn)
            try:
                with conn.begin():
                    yield conn
            finally:
                _snapshot.reset(token)

    def dispose(self) -> None:
        self.engine.dispose()
