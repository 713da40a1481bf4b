"""The PII scan in CI: a headless `kiosk demo` leaves nothing the scan can find, on the kiosk's side or in the
central service's store, and the scan itself finds what it must (so this check can fail)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from kiosk_app.cli import cli
from tools.pii_scan import scan

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"
SCRIPTS = ("appointment-full-bundle", "walk-in", "payroll-employee", "review-edit")


def test_a_demo_leaves_no_personal_data_anywhere(tmp_path: Path) -> None:
    args = ["demo", "--headless", "--workdir", str(tmp_path), "--quiet-journal"]
    for name in SCRIPTS:
        args += ["--script", str(JOURNEYS / f"{name}.toml")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    kiosk_side = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("central")]
    assert any(p.name == "kiosk.sqlite" for p in kiosk_side) and (tmp_path / "demo.log").stat().st_size > 0
    assert scan([str(tmp_path)]) == []  # kiosk databases, WAL files, keys, tokens, the log, the central store


def test_the_scan_finds_unmasked_values_in_databases_and_text(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "k.sqlite") as conn:
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("""INSERT INTO t VALUES ('{"id_number":"11010519491231002X"}')""")
    conn.close()
    (tmp_path / "log.txt").write_text("phone 13812345678, card 6222021234567890123\n", encoding="utf-8")
    found = scan([str(tmp_path)])
    assert sorted(line.split(": ")[1].split()[0] for line in found) == ["card-number", "id-number", "mobile"]


def test_digits_inside_hex_digests_are_not_mobile_numbers(tmp_path: Path) -> None:
    (tmp_path / "hashes.txt").write_text("e3dcb960b503424d23ec81d0920d14148849052a0ee9d8\n"
                                         "ab13812345678cd\n", encoding="utf-8")
    assert scan([str(tmp_path)]) == []
