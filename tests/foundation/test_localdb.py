"""The local database: settings, migrations from every earlier version, two writers, journal chain, outbox."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sync_agent import journal, outbox, schema
from sync_agent.localdb import LocalDb, SchemaTooNew, open_db


def test_pragmas(tmp_path: Path) -> None:
    with open_db(tmp_path / "k.sqlite") as db:
        pragma = lambda name: db.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == 10_000


def test_migrate_is_idempotent_and_recorded(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    with LocalDb(path) as db:
        assert db.migrate() == schema.migration_names()
        assert db.migrate() == []
    with LocalDb(path) as db:
        assert db.schema_version() == len(schema.migration_names())


@pytest.mark.parametrize("stop_before", schema.migration_names()[1:])
def test_migration_from_every_earlier_version_keeps_data(tmp_path: Path, stop_before: str) -> None:
    path = tmp_path / "k.sqlite"
    with LocalDb(path) as db:
        db.migrate(stop_before=stop_before)
        older = db.schema_version()
        db.conn.execute(
            "INSERT INTO appointments (id, branch_id, kind, status, updated_at) "
            "VALUES ('a1', 'BR001', 'individual', 'booked', 't')"
        )
    with LocalDb(path) as db:
        applied = db.migrate()
        assert len(applied) == len(schema.migration_names()) - older
        assert db.conn.execute("SELECT id FROM appointments").fetchall() == [("a1",)]
        assert db.status().pending == ()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    with open_db(path) as db:
        db.conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
            "VALUES ('branch-kiosk', 'm999_future', 't')"
        )
    with LocalDb(path) as db, pytest.raises(SchemaTooNew):
        db.migrate()


def test_commit_survives_reopen_and_rollback_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    with open_db(path) as db:
        journal.append(db, "boot", {"ok": True})
        with pytest.raises(RuntimeError), db.transaction():
            journal.append(db, "half", {"n": 1})
            outbox.enqueue(db, "events", "half", {"n": 1})
            raise RuntimeError("power cut in the middle")
    with open_db(path) as db:
        assert [e.kind for e in journal.entries(db)] == ["boot"]
        assert outbox.pending(db) == []
        assert journal.verify_chain(db).intact


WRITER = textwrap.dedent(
    """
    import sys
    from sync_agent import journal, outbox
    from sync_agent.localdb import open_db
    db = open_db(sys.argv[1])
    for i in range(int(sys.argv[3])):
        with db.transaction():
            journal.append(db, "step", {"writer": sys.argv[2], "i": i})
            outbox.enqueue(db, "events", "step", {"writer": sys.argv[2], "i": i})
    """
)


def test_two_processes_write_at_once_without_lock_errors(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    open_db(path).close()
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(n)], stderr=subprocess.PIPE, text=True)
        for name in ("app", "agent")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with open_db(path) as db:
        report = journal.verify_chain(db)
        assert report.intact and report.rows == 2 * n
        assert outbox.depth(db)["pending"] == 2 * n
        keys = db.conn.execute("SELECT COUNT(DISTINCT idempotency_key) FROM outbox").fetchone()[0]
        assert keys == 2 * n


def _tampered(tmp_path: Path, sql: str) -> journal.ChainReport:
    path = tmp_path / "k.sqlite"
    with open_db(path) as db:
        for i in range(5):
            journal.append(db, "step", {"i": i}, session_id="s1")
        assert journal.verify_chain(db).intact
    raw = sqlite3.connect(path)  # an attacker or a bad tool, bypassing the append-only triggers
    raw.executescript("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;" + sql)
    raw.close()
    with LocalDb(path) as db:
        return journal.verify_chain(db)


def test_chain_detects_edited_row(tmp_path: Path) -> None:
    report = _tampered(tmp_path, """UPDATE journal SET record = '{"i":99}' WHERE seq = 3;""")
    assert (report.intact, report.broken_at, report.reason) == (False, 3, "row 3 was altered")


def test_chain_detects_deleted_row(tmp_path: Path) -> None:
    report = _tampered(tmp_path, "DELETE FROM journal WHERE seq = 2;")
    assert (report.intact, report.broken_at) == (False, 2)


def test_chain_detects_deleted_tail(tmp_path: Path) -> None:
    report = _tampered(tmp_path, "DELETE FROM journal WHERE seq = 5;")
    assert (report.intact, report.reason) == (False, "rows after 4 were removed")


def test_chain_detects_reordered_rows(tmp_path: Path) -> None:
    report = _tampered(
        tmp_path,
        "UPDATE journal SET seq = 100 WHERE seq = 2; UPDATE journal SET seq = 2 WHERE seq = 3;"
        "UPDATE journal SET seq = 3 WHERE seq = 100;",
    )
    assert (report.intact, report.broken_at) == (False, 2)


def test_journal_is_append_only(tmp_path: Path) -> None:
    with open_db(tmp_path / "k.sqlite") as db:
        journal.append(db, "step", {})
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.conn.execute("UPDATE journal SET kind = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.conn.execute("DELETE FROM journal")


def test_outbox_key_made_with_row_and_states(tmp_path: Path) -> None:
    with open_db(tmp_path / "k.sqlite") as db:
        first = outbox.enqueue(db, "events", "a", {"n": 1})
        second = outbox.enqueue(db, "events", "b", {"n": 2})
        assert first.idempotency_key != second.idempotency_key
        outbox.mark_attempt(db, [first.id], "timeout")
        outbox.acknowledge(db, {first.idempotency_key: {"status": "applied"}})
        outbox.quarantine(db, second.idempotency_key, "422 schema")
        assert outbox.depth(db) == {"pending": 0, "acked": 1, "quarantined": 1}
        assert outbox.pending(db) == []
