"""Mobile and online banking at the kiosk: the registered number is confirmed with the code the SMS gateway texted
(a wrong one is refused, a new one replaces it), the login password is set on the PIN pad (a weak one refused
by the pad), the bank activates with both; the kiosk keeps neither code nor number."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from central_service import schema as t
from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import load_script
from tests.journey.evidence_support import core_records, kiosk_db_text

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"


def test_a_retried_code_and_a_weak_password_end_in_an_activation_with_both(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "ebanking-code-retry.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        [activation] = core_records(r, "mobile_banking")
        assert activation["credential_key_id"] == r.runtime.session.ports.credential.key_id
        with r.central.store.db.read() as conn:
            statuses = sorted(conn.execute(select(t.phone_verifications.c.status)).scalars())
        assert statuses == ["confirmed", "retired"]
        phone = r.customer.appointment["customer"]["phone"]
        texts = r.central.central.sms.messages(phone)
        codes = [re.search(r"[0-9]{6}", m.body).group(0) for m in texts]
        assert len(codes) == 2
        r.runtime.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        kept = kiosk_db_text(r.cfg.paths.database)
        assert phone not in kept and not any(code in kept for code in codes)
        steps = [s.step_id for s in r.screens.screens]
        assert "login_weakPin" in steps and steps.count("login_first") >= 2


def test_not_now_activates_no_e_banking(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "ebanking-not-now.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        assert core_records(r, "mobile_banking") == [] and core_records(r, "online_banking") == []
        thanks = [s for s in r.screens.screens if s.step_id == "thank_you"][-1]
        assert thanks.data["services"] == ["wechat_pay"]


def test_walking_away_at_the_code_still_activates_the_rest_and_prints(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "ebanking-walk-away.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        assert core_records(r, "mobile_banking") == []
        assert len(core_records(r, "wechat")) == 1
        assert len(r.sims.printer.receipts) == 1
