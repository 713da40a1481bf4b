"""The payroll chain on the service's store, both engines: company, agreement, agent, batch, the employees'
entries and every refusal of the issue with its own error, the agent's review and submission, the teller's
check, approval with the core's batch call (partial failures per employee, retried without a second account),
and the pickup appointments kiosks see in the feed."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from central_service import schema as t
from central_service.ids import make_uscc
from central_service.payroll import errors
from central_service.payroll.people import employee_from_form
from central_service.payroll.states import Action, BatchState, EntryState
from tests.payroll.conftest import TODAY, PayrollWorld


def _batch(world: PayrollWorld, **overrides: object):
    args = {"name": "2026年12月新员工", "card_product": "payroll_debit", "deadline": TODAY + timedelta(days=14),
            "expected_headcount": 3, **overrides}
    return world.payroll.create_batch(world.agent, **args)  # type: ignore[arg-type]


def _accounts(world: PayrollWorld) -> int:
    with world.store.db.read() as conn:
        return conn.execute(select(func.count()).select_from(t.core_records)
                            .where(t.core_records.c.kind == "account")).scalar()


def test_company_refusals(world: PayrollWorld) -> None:
    good = make_uscc("350203", world.rng)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(errors.InvalidUscc) as bad:
        world.payroll.register_company("另一家公司", wrong, "3502031234567891", "BJ001", by="staff")
    assert bad.value.field == "uscc"
    with pytest.raises(errors.CompanyExists):
        world.payroll.register_company("同码公司", world.company.uscc, "3502031234567891", "BJ001", by="staff")
    with pytest.raises(errors.AgentLoginTaken):
        world.payroll.add_agent(world.company.id, "王", "LI.agent", "correct horse battery")
    other = world.payroll.register_company("未签约公司", good, "3502031234567892", "BJ001", by="staff")
    stranger = world.payroll.add_agent(other.id, "赵", "zhao", "correct horse battery")[0]
    with pytest.raises(errors.AgreementNotAccepted):
        world.payroll.create_batch(stranger, "x", "payroll_debit", TODAY + timedelta(days=3), 1)


def test_employee_form_refusals_each_name_their_case(world: PayrollWorld) -> None:
    today = world.clock().date()
    cases = [
        (world.person_form(age=15), errors.UnderAge, "id_number"),
        (world.person_form(expiry=TODAY - timedelta(days=1)), errors.IdExpired, "id_expiry"),
        (world.person_form(id_number="350203199001011234"), errors.InvalidIdNumber, "id_number"),
        (world.person_form(mobile="12345"), errors.InvalidField, "mobile"),
        (world.person_form(name="<script>"), errors.InvalidField, "name"),
    ]
    for form, error, field in cases:
        with pytest.raises(error) as caught:
            employee_from_form(form, today)
        assert caught.value.field == field
    assert len({error.code for _, error, _ in cases}) == len(cases) - 1  # two InvalidField cases share a code
    sixteen = employee_from_form(world.person_form(age=16), today)
    assert sixteen.age_on(today) == 16
    long_term = employee_from_form({**world.person_form(), "id_expiry": "", "id_long_term": "on"}, today)
    assert long_term.id_expiry is None


def test_entries_duplicates_deadline_and_wrong_company(world: PayrollWorld) -> None:
    batch = _batch(world)
    form = world.person_form()
    first = world.payroll.add_entry(batch.id, employee_from_form(form, TODAY))
    assert first.state is EntryState.FILLED and "*" in first.id_masked and form["id_number"] not in first.id_masked
    with pytest.raises(errors.DuplicateIdNumber):
        world.payroll.add_entry(batch.id, employee_from_form({**form, "name": "另一人"}, TODAY))
    other = world.payroll.register_company("别家公司", make_uscc("110105", world.rng), "1101051234567890", "BJ001",
                                           by="staff")
    intruder = world.payroll.add_agent(other.id, "钱", "qian", "correct horse battery")[0]
    with pytest.raises(errors.WrongCompany):
        world.payroll.batch_of_agent(intruder, batch.id)
    with pytest.raises(errors.WrongCompany):
        world.payroll.change_entry(batch.id, first.id, Action.REMOVE, expect_company=intruder.company_id)
    with pytest.raises(errors.WrongCompany):
        world.payroll.submit(intruder, batch.id, world.payroll.batch(batch.id).revision)
    world.clock.advance(days=15)
    with pytest.raises(errors.DeadlinePassed):
        world.payroll.add_entry(batch.id, world.employee())


def test_agent_review_submit_freeze_and_replay(world: PayrollWorld) -> None:
    batch = _batch(world)
    entries = [world.payroll.add_entry(batch.id, world.employee()) for _ in range(3)]
    with pytest.raises(errors.ReasonRequired):
        world.payroll.change_entry(batch.id, entries[0].id, Action.AGENT_RETURN, reason=" ")
    returned = world.payroll.change_entry(batch.id, entries[0].id, Action.AGENT_RETURN, reason="不是本单位员工")
    assert returned.state is EntryState.RETURNED and returned.reason == "不是本单位员工"
    removed = world.payroll.change_entry(batch.id, entries[1].id, Action.REMOVE)
    assert removed.state is EntryState.REMOVED
    with pytest.raises(errors.EntryRemoved):
        world.payroll.add_entry(batch.id, world.payroll.employee(entries[1].id))
    corrected = world.employee()
    world.payroll.change_entry(batch.id, entries[2].id, Action.CORRECT, employee=corrected)
    assert world.payroll.employee(entries[2].id) == corrected
    reviewed = world.payroll.batch(batch.id).revision
    world.payroll.add_entry(batch.id, world.employee())  # someone fills in while the agent reviews
    with pytest.raises(errors.StaleSubmission):
        world.payroll.submit(world.agent, batch.id, reviewed)
    submitted = world.payroll.submit(world.agent, batch.id, world.payroll.batch(batch.id).revision)
    assert submitted.state is BatchState.SUBMITTED
    with pytest.raises(errors.AlreadySubmitted):
        world.payroll.submit(world.agent, batch.id, submitted.revision)
    with pytest.raises(errors.BatchFrozen):
        world.payroll.add_entry(batch.id, world.employee())
    with pytest.raises(errors.BatchFrozen):
        world.payroll.change_entry(batch.id, entries[2].id, Action.REMOVE)
    progress = world.payroll.progress(batch.id)
    assert (progress[EntryState.SUBMITTED], progress[EntryState.RETURNED], progress[EntryState.REMOVED]) == (2, 1, 1)


def test_teller_approval_opens_in_one_call_with_partial_failures_retried(world: PayrollWorld) -> None:
    batch = _batch(world, expected_headcount=4)
    people = [world.employee() for _ in range(4)]
    entries = [world.payroll.add_entry(batch.id, p) for p in people]
    world.payroll.submit(world.agent, batch.id, world.payroll.batch(batch.id).revision)
    with pytest.raises(errors.UndecidedEntries):
        world.opening.approve(batch.id, by="T01")
    for entry in entries[:3]:
        world.payroll.change_entry(batch.id, entry.id, Action.VERIFY)
    world.payroll.change_entry(batch.id, entries[3].id, Action.TELLER_RETURN, reason="身份证影像模糊")
    world.core.set_person(people[1].id_number, blocklisted=True)
    world.core.fail_next("open_accounts_batch.person")  # the core misses the first person of the call
    report = world.opening.approve(batch.id, by="T01")
    assert report.waiting == [entries[0].id] and report.opened == [entries[2].id]
    assert list(report.refused) == [entries[1].id]
    assert world.payroll.entry(entries[1].id).state is EntryState.FAILED
    assert _accounts(world) == 1
    world.core.fail_next("open_accounts_batch")  # the whole call fails: nothing changes
    assert world.opening.open_waiting(batch.id).waiting == [entries[0].id]
    retry = world.opening.open_waiting(batch.id)
    assert retry.opened == [entries[0].id] and retry.complete
    assert _accounts(world) == 2
    assert world.opening.open_waiting(batch.id).opened == []  # nothing left: no second account
    assert _accounts(world) == 2
    opened = world.payroll.entry(entries[2].id)
    assert opened.state is EntryState.OPENED and opened.account_number_masked
    doc = world.store.get_appointment(opened.appointment_id)
    assert doc["kind"] == "payroll" and doc["payroll"]["batch_id"] == batch.id
    assert doc["customer"]["id_number"] == people[2].id_number and doc["branch_id"] == "BJ001"
    assert world.payroll.batch(batch.id).state is BatchState.APPROVED


def test_a_big_batch_pages(world: PayrollWorld) -> None:
    batch = _batch(world, expected_headcount=130)
    for _ in range(130):
        world.payroll.add_entry(batch.id, world.employee())
    last = world.payroll.page(batch.id, page=3, per_page=50)
    assert (last.total, last.pages, len(last.entries), last.entries[0].line) == (130, 3, 30, 101)


def test_batch_settings_refused(world: PayrollWorld) -> None:
    for overrides, field in [({"card_product": "gold"}, "card_product"), ({"expected_headcount": 0},
                             "expected_headcount"), ({"deadline": date(2026, 11, 30)}, "deadline"),
                             ({"name": ""}, "name")]:
        with pytest.raises(errors.InvalidField) as caught:
            _batch(world, **overrides)
        assert caught.value.field == field


def test_batch_file_of_a_submitted_batch_validates_and_results_file(world: PayrollWorld) -> None:
    from central_service.payroll import batch_file
    from central_service.payroll.exports import batch_file_bytes, results_csv

    batch = _batch(world)
    people = [world.employee() for _ in range(3)]
    entries = [world.payroll.add_entry(batch.id, p) for p in people]
    world.payroll.change_entry(batch.id, entries[1].id, Action.AGENT_RETURN, reason="已离职")
    world.payroll.submit(world.agent, batch.id, world.payroll.batch(batch.id).revision)
    data = batch_file_bytes(world.payroll, batch.id)
    parsed = batch_file.parse(data)
    assert [e.id_number for e in parsed.employees] == [people[0].id_number, people[2].id_number]
    assert parsed.header.uscc == world.company.uscc
    for entry in (entries[0], entries[2]):
        world.payroll.change_entry(batch.id, entry.id, Action.VERIFY)
    world.opening.approve(batch.id, by="T01")
    collected = world.payroll.entry(entries[0].id).appointment_id
    rows = results_csv(world.payroll, batch.id, {collected: "redeemed"}).decode("utf-8-sig").splitlines()
    assert rows[0] == "line,name,id_number,status,reason,account"
    statuses = [row.split(",")[3] for row in rows[1:]]
    assert statuses == ["collected", "returned", "pending"]
    assert people[0].id_number not in "".join(rows) and "已离职" in rows[2]


def test_two_phones_sending_one_id_number_at_once_make_one_entry(world: PayrollWorld) -> None:
    batch = _batch(world, expected_headcount=10)
    employee = world.employee()
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        try:
            world.payroll.add_entry(batch.id, employee)
            outcomes.append("added")
        except errors.DuplicateIdNumber:
            outcomes.append("duplicate")

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["added", "duplicate", "duplicate", "duplicate"]
    assert world.payroll.page(batch.id).total == 1
