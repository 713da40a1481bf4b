"""Every journey script in assets/journeys against the reference service and the emulated devices.

Each script states the outcome it must end with; on top of that, every run is checked for personal data:
nothing unmasked in the journal, the outbox, the session rows, the screens shown after the session ended,
or the flow's objects, and nothing the PII scan (tools/pii_scan.py) can find in any file the run left.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk_app.demo.environment import Rehearsal, rehearsal
from kiosk_app.demo.runner import Runner, StepFailed
from kiosk_app.demo.script import load_script
from sync_agent import journal
from tools.pii_scan import scan

JOURNEYS = sorted((Path(__file__).resolve().parents[2] / "assets" / "journeys").glob("*.toml"))
TOUCH_BUDGET = 20  # the appointment path with the full bundle, at most (the bar)


def personal_values(r: Rehearsal) -> list[str]:
    c = r.customer
    values = [c.id_number, c.name]
    if c.appointment:
        values.append(c.appointment["customer"]["phone"])
    return values


def leaks(r: Rehearsal, text: str) -> list[str]:
    return [v for v in personal_values(r) if v and v in text]


def db_text(r: Rehearsal) -> str:
    conn = r.runtime.db.conn
    parts = []
    for table in ("journal", "outbox", "kiosk_sessions", "session_steps", "issued_cards", "used_tokens"):
        parts += [json.dumps(row, ensure_ascii=False) for row in conn.execute(f"SELECT * FROM {table}")]
    return "\n".join(parts)


@pytest.mark.parametrize("path", JOURNEYS, ids=[p.stem for p in JOURNEYS])
def test_journey(path: Path, tmp_path: Path) -> None:
    script = load_script(path)
    with rehearsal(tmp_path, script.setup) as r:
        try:
            Runner(r, script).run()
        except StepFailed as exc:
            shown = [s.step_id for s in r.screens.screens]
            pytest.fail(f"{exc}\nscreens: {shown}")
        assert r.runtime.host.wait_idle(15)
        ended = [e for e in journal.entries(r.runtime.db) if e.kind == "session_ended"]
        outcome = ended[-1].record["outcome"] if ended else "none"
        assert outcome == script.outcome
        assert journal.verify_chain(r.runtime.db).intact
        # Personal data: never in the journal, outbox or session rows; gone from the flow once the session ended.
        assert leaks(r, db_text(r)) == []
        ctx = r.runtime.session.ctx
        assert ctx.identity is None and ctx.appointment is None
        if ended:
            last_end = max(i for i, s in enumerate(r.screens.screens) if s.step_id in ("idle", "thank_you", "refused"))
            after = repr(r.screens.screens[last_end:])
            assert leaks(r, after) == []
        for screen in r.screens.screens:  # the review shows masked values only
            assert r.customer.id_number not in repr(screen.data)
        if script.name == "appointment-full-bundle":
            assert ended[-1].record["touches"] <= TOUCH_BUDGET
    # Everything the run left on disk, kiosk and central service alike (databases, WAL files, logs, keys): the
    # PII scan finds nothing, because the kiosk seals its appointments and the service its personal fields.
    assert scan([str(tmp_path)]) == []


def test_every_session_step_is_journaled_with_outbox_event(tmp_path: Path) -> None:
    script = load_script(JOURNEYS[[p.stem for p in JOURNEYS].index("appointment-full-bundle")])
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        r.runtime.host.wait_idle(10)
        conn = r.runtime.db.conn
        steps = conn.execute("SELECT COUNT(*) FROM session_steps").fetchone()[0]
        journaled = conn.execute("SELECT COUNT(*) FROM journal WHERE kind = 'session_step'").fetchone()[0]
        queued = conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'session_step'").fetchone()[0]
        assert steps == journaled == queued > 10
        masked = conn.execute("SELECT record FROM journal WHERE kind = 'card_issued_to'").fetchone()[0]
        assert re.search(r'"pan":"\d{6}\*+\d{4}"', masked)


def test_crash_mid_session_is_unwound_on_restart(tmp_path: Path) -> None:
    """A session open when the kiosk stops is closed at the next start, its data wiped, its QR usable again."""
    script = load_script(JOURNEYS[[p.stem for p in JOURNEYS].index("appointment-debit-card-only")])
    with rehearsal(tmp_path / "one", script.setup) as r:
        runner = Runner(r, script)
        for step in script.steps[:3]:  # scan, place card, at the review
            getattr(runner, step.do)(step)
        assert r.runtime.session.state.value == "review"
        db_path, token = r.cfg.paths.database, r.customer.token
        r.runtime.host.close()  # the process dies here: nothing ends the session
        from kiosk_app.runtime import person_key_secret
        from kiosk_app.store.sessions import Recorder
        from sync_agent.localdb import open_db

        with open_db(db_path) as db:
            closed = Recorder(db, "K01", person_key_secret(db_path)).recover_sessions()
            assert len(closed) == 1
            row = db.conn.execute("SELECT outcome, data FROM kiosk_sessions").fetchone()
            assert row == ("interrupted", "{}")
            assert db.conn.execute("SELECT COUNT(*) FROM used_tokens").fetchone()[0] == 0
            assert token


def test_kiosk_report_for_the_heartbeat_is_published_at_rest(tmp_path: Path) -> None:
    from sync_agent.heartbeat import stored_report

    script = load_script(JOURNEYS[[p.stem for p in JOURNEYS].index("appointment-debit-card-only")])
    with rehearsal(tmp_path, script.setup) as r:
        first = stored_report(r.runtime.db)
        assert {d.device for d in first.devices} >= {"idcard", "dispenser", "chip", "pinpad", "printer"}
        assert first.mode == "in_service"
        r.runtime.issuance.book.set_storage(stack=5, reason="cards loaded by a manager")
        Runner(r, script).run()
        r.runtime.host.wait_idle(10)
        after = stored_report(r.runtime.db)
        assert after.card_stock == 4
        assert all(d.state for d in after.devices)
