"""One home for the kiosk's data: no SQL outside `kiosk_app/store/`; one local day for every daily count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kiosk_app.config.model import KioskIdentity
from kiosk_app.flow.policy import AccountPolicy
from kiosk_app.store import reports
from kiosk_app.store.branch_day import BranchDay
from kiosk_app.store.sessions import Recorder
from sync_agent.localdb import open_db

ROOT = Path(__file__).resolve().parents[2]
SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|TRIGGER))\b"
                 r"|\.execute(many|script)?\(")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_no_sql_on_the_kiosks_tables_outside_the_store() -> None:
    found = []
    for path in sorted((ROOT / "kiosk_app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("kiosk_app/store/") or "/migrations/" in rel:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if SQL.search(line):
                found.append(f"{rel}:{number}: {line.strip()}")
    assert found == []


def test_the_grep_finds_sql_where_there_is_some() -> None:
    """The pattern is not blind: the store itself is full of matches."""
    text = (ROOT / "kiosk_app" / "store" / "sessions.py").read_text(encoding="utf-8")
    assert len(SQL.findall(text)) >= 5


class Clock:
    """The branch's wall clock, moved by the test."""

    def __init__(self, local: datetime) -> None:
        self.at = local

    def set(self, local: datetime) -> None:
        self.at = local

    def __call__(self) -> datetime:
        return self.at.astimezone(UTC)


def _recorder(tmp_path: Path, clock: Clock) -> Recorder:
    db = open_db(tmp_path / "kiosk.sqlite")
    return Recorder(db, "K01", b"secret", day=BranchDay(SHANGHAI, clock))


def test_the_daily_card_limit_counts_the_branchs_local_day(tmp_path: Path) -> None:
    """In a UTC+8 branch 07:59 and 08:01 are the same day (UTC midnight falls between them)."""
    clock = Clock(datetime(2026, 12, 1, 7, 59, tzinfo=SHANGHAI))
    recorder = _recorder(tmp_path, clock)
    person = recorder.person_key("110105199103071236")
    policy = AccountPolicy(min_age_alone=16, min_age_credit_card=18, guardian_consent_under=14,
                           max_cards_per_person_per_day=1)
    assert recorder.cards_today(person) == 0
    recorder.event("s1", "card_issued_to", {"person_key": person, "pan": "621700******0014"})
    clock.set(datetime(2026, 12, 1, 8, 1, tzinfo=SHANGHAI))
    assert recorder.cards_today(person) == 1
    assert policy.cards_limit_reached(recorder.cards_today(person))
    clock.set(datetime(2026, 12, 1, 23, 59, tzinfo=SHANGHAI))
    assert recorder.cards_today(person) == 1
    clock.set(datetime(2026, 12, 2, 0, 1, tzinfo=SHANGHAI))
    assert recorder.cards_today(person) == 0  # a new local day
    assert recorder.cards_today(recorder.person_key("110105199103071244")) == 0


def test_the_consoles_day_and_the_journeys_day_are_the_same(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 1, 7, 30, tzinfo=SHANGHAI))
    recorder = _recorder(tmp_path, clock)
    recorder.start("s1", "appointment")  # 23:30 UTC on 30 November
    assert recorder.day.today() == date(2026, 12, 1)
    start, end = recorder.day.bounds()
    assert (start, end) == ("2026-11-30T16:00:00.000+00:00", "2026-12-01T16:00:00.000+00:00")
    assert reports.sessions_by_outcome(recorder.db, start, end) == {"in_progress": 1}
    assert reports.sessions_by_outcome(recorder.db, *recorder.day.bounds(date(2026, 11, 30))) == {}


def test_a_used_token_is_spent_once_and_released(tmp_path: Path) -> None:
    recorder = _recorder(tmp_path, Clock(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)))
    assert recorder.consume_token("t1", "apt1", "2026-12-01T01:00:00+00:00")
    assert not recorder.consume_token("t1", "apt1", "2026-12-01T01:00:05+00:00")
    recorder.release_token("t1")
    assert recorder.consume_token("t1", "apt1", "2026-12-01T01:00:10+00:00")


def test_the_config_names_the_branchs_time_zone() -> None:
    ident = KioskIdentity(branch_id="BR001", kiosk_id="K01")
    assert ident.time_zone == "Asia/Shanghai"
    with pytest.raises(ValueError, match="unknown time zone"):
        KioskIdentity(branch_id="BR001", kiosk_id="K01", time_zone="Mars/Olympus")
