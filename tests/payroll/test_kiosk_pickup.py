"""Pickup at the kiosk: the batch QR (multi-use) plus the ID card finds the employee's entry, the card is bound
to the account opened with the batch (no second account), the appointment is redeemed and the employer's results
say collected; the lookup's refusals each have their own problem; a poster's link QR still scans."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from central_api_client import CentralClient, errors
from central_service import schema as t
from central_service.ids import id_check_char, make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.exports import results_csv
from central_service.payroll.opening import Opening, batch_token
from central_service.payroll.people import Employee
from central_service.payroll.states import Action
from central_service.payroll.store import PayrollStore
from central_service.testing import RunningService, sqlite_settings
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


@pytest.fixture
def service(tmp_path: Path):
    server = RunningService(sqlite_settings(tmp_path)).start()
    yield server
    server.close()


def test_lookup_refusals_each_name_their_case(service: RunningService) -> None:
    central = service.central
    payroll = PayrollStore(central.store.db, central.store.clock)
    company = payroll.register_company("查询测试公司", make_uscc("110105", random.Random(3)), "1101051234567890",
                                       "BJ001", by="t")
    payroll.accept_agreement(company.id, company_agreement(), by="t")
    agent = payroll.add_agent(company.id, "经办", "lookup.agent", "correct horse battery")[0]
    batch = payroll.create_batch(agent, "b", "payroll_debit", payroll.today() + timedelta(days=3), 3)
    people = {k: "1101051990030712" + str(n) for n, k in enumerate(("ready", "returned", "waiting"), start=3)}
    people = {k: v + id_check_char(v) for k, v in people.items()}
    entries = {k: payroll.add_entry(batch.id, Employee("张三", v, None, "13912345678")) for k, v in people.items()}
    token = batch_token(central.signing_keys[0], batch, central.store.clock())
    _, bearer = service.admin.add_kiosk("BJ001")
    with CentralClient(service.url, bearer_token=bearer) as client:
        with pytest.raises(errors.Conflict) as not_ready:
            client.lookup(token, id_number=people["ready"])
        assert not_ready.value.problem_type == "payroll-not-ready"
        payroll.submit(agent, batch.id, payroll.batch(batch.id).revision)
        payroll.change_entry(batch.id, entries["ready"].id, Action.VERIFY)
        payroll.change_entry(batch.id, entries["returned"].id, Action.TELLER_RETURN, reason="影像模糊")
        payroll.change_entry(batch.id, entries["waiting"].id, Action.VERIFY)
        Opening(payroll, central.store, central.core).approve(batch.id, by="T01")
        found = client.lookup(token, id_number=people["ready"])
        assert found.kind == "payroll" and found.payroll.batch_id == batch.id
        with pytest.raises(errors.Conflict) as returned:
            client.lookup(token, id_number=people["returned"])
        assert returned.value.problem_type == "payroll-entry-returned"
        with pytest.raises(errors.NotFound) as stranger:
            client.lookup(token, id_number="11010519800101123" + id_check_char("11010519800101123"))
        assert stranger.value.problem_type == "payroll-entry-not-found"
        with pytest.raises(errors.Rejected) as no_number:
            client.lookup(token)
        assert no_number.value.problem_type == "id-number-required"


def test_a_poster_link_scans_as_its_token() -> None:
    assert token_text("HTTPS://BANK.EXAMPLE/P/BKQ:ABC234") == "BKQ:ABC234"
    assert token_text("BKQ:ABC234") == "BKQ:ABC234"
    assert token_text("HELLO") == "HELLO"
