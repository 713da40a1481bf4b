"""Pickup at the kiosk: the batch QR (multi-use) plus the ID card finds the employee's entry, the card is bound
to the account opened with the batch (no second account), the appointment is redeemed and the employer's results
say collected; the lookup's refusals each have their own problem; a poster's link QR still scans."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from central_service import schema as t
from central_service.payroll.exports import results_csv
from central_service.payroll.store import PayrollStore
from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import load_script
from kiosk_app.flow.adapters.tokens import token_text

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"


def _count(db, kind: str) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(t.core_records)
                            .where(t.core_records.c.kind == kind)).scalar()


def test_batch_qr_pickup_binds_the_batch_account_and_reports_collected(tmp_path: Path) -> None:
    script = load_script(JOURNEYS / "payroll-batch-qr.toml")
    with rehearsal(tmp_path, script.setup) as r:
        Runner(r, script).run()
        assert r.runtime.host.wait_idle(15)
        central = r.central.central
        payroll = PayrollStore(central.store.db, central.store.clock)
        appointment = central.store.get_appointment(r.customer.appointment["id"])
        assert appointment["status"] == "redeemed"
        assert _count(central.store.db, "account") == 1 and _count(central.store.db, "card_binding") == 1
        batch_id = appointment["payroll"]["batch_id"]
        rows = results_csv(payroll, batch_id, {appointment["id"]: appointment["status"]}).decode("utf-8-sig")
        assert rows.splitlines()[1].split(",")[3] == "collected"
        used = r.runtime.db.conn.execute("SELECT count(*) FROM used_tokens").fetchone()[0]
        assert used == 0  # the poster's code is not spent by one employee


def test_a_poster_link_scans_as_its_token() -> None:
    assert token_text("HTTPS://BANK.EXAMPLE/P/BKQ:ABC234") == "BKQ:ABC234"
    assert token_text("BKQ:ABC234") == "BKQ:ABC234"
    assert token_text("HELLO") == "HELLO"
