"""The kiosk's payroll lookup on the contract (every request and answer checked against openapi.yaml, on both
stores): a batch QR plus an ID number answers the employee's pickup appointment, and each refusal has its own
problem (not ready, returned, not in the batch, no ID number sent)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from central_api_client import errors
from central_service.ids import id_check_char, make_uscc
from central_service.payroll.agreement import company_agreement
from central_service.payroll.opening import Opening, batch_token
from central_service.payroll.people import Employee
from central_service.payroll.states import Action
from central_service.payroll.store import PayrollStore
from tests.central.conftest import Sim


def test_lookup_refusals_each_name_their_case(checked_sim: Sim) -> None:
    central = checked_sim.server.central
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
    client = checked_sim.client("BJ001")
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
