"""The `kiosk` command: version, config check, db migrate and db status, through click's runner."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk_app import __version__
from kiosk_app.cli import cli
from kiosk_app.config import dev_config_path
from sync_agent import journal, schema
from sync_agent.localdb import open_db


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(dev_config_path().read_text(encoding="utf-8"), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_version() -> None:
    assert run("--version") == (0, f"kiosk, version {__version__}\n")


def test_config_check_ok_and_bad(config_file: Path, tmp_path: Path) -> None:
    code, out = run("config", "check", str(config_file))
    assert code == 0 and out.startswith("config OK: branch BR001")
    bad = tmp_path / "bad.toml"
    bad.write_text(config_file.read_text().replace("[paths]", "[paths]\ndatabse = 'x'"), encoding="utf-8")
    code, out = run("config", "check", str(bad))
    assert code == 2
    assert "paths.databse: unknown key" in out


def test_db_migrate_then_status(config_file: Path) -> None:
    latest = len(schema.migration_names())
    code, out = run("--config", str(config_file), "db", "migrate")
    assert code == 0 and f"applied {latest} migration(s)" in out
    code, out = run("--config", str(config_file), "db", "migrate")
    assert "applied 0 migration(s)" in out
    code, out = run("--config", str(config_file), "db", "status")
    assert code == 0
    assert f"schema version: {latest} of {latest}" in out and "journal chain: intact (0 rows)" in out


def test_db_status_reports_broken_chain(config_file: Path) -> None:
    db_path = config_file.parent / "var" / "kiosk.sqlite"
    with open_db(db_path) as db:
        journal.append(db, "a", {})
        journal.append(db, "b", {})
    raw = sqlite3.connect(db_path)
    raw.executescript("DROP TRIGGER journal_no_update; UPDATE journal SET kind = 'z' WHERE seq = 1;")
    raw.close()
    code, out = run("--config", str(config_file), "db", "status")
    assert code == 1 and "journal chain: BROKEN at row 1: row 1 was altered" in out


def test_status_on_new_file_lists_pending(config_file: Path) -> None:
    code, out = run("--config", str(config_file), "db", "status")
    latest = len(schema.migration_names())
    assert code == 0 and f"schema version: 0 of {latest}" in out and "pending migrations: m001_appointments" in out


def test_invalid_config_stops_db_commands(tmp_path: Path) -> None:
    bad = tmp_path / "k.toml"
    bad.write_text("[kiosk]\nbranch_id = 'B'\n", encoding="utf-8")
    code, out = run("--config", str(bad), "db", "status")
    assert code == 2 and "kiosk.kiosk_id: missing" in out
