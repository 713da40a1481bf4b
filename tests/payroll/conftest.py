"""Fixtures for the payroll chain: the service's store on both engines (SQLite file, PostgreSQL database of
the run's throwaway cluster), a clock the test moves, the simulated core, and a registered company whose
agent can create batches."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from central_service.core_banking.simulated import SimulatedCore
from central_service.db import Database
from central_service.ids import make_id_number, make_uscc
from central_service.migrations import upgrade
from central_service.payroll.agreement import company_agreement
from central_service.payroll.opening import Opening
from central_service.payroll.people import Employee, employee_from_form
from central_service.payroll.store import Agent, Company, PayrollStore
from central_service.store import Store
from tests.postgres import database_url, pg_cluster, store_kind  # noqa: F401  (fixtures)

TODAY = date(2026, 12, 1)


class MovableClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class PayrollWorld:
    clock: MovableClock
    store: Store
    payroll: PayrollStore
    core: SimulatedCore
    opening: Opening
    company: Company
    agent: Agent
    rng: random.Random

    def person_form(self, *, age: int = 30, expiry: date | None = None, **overrides: str) -> dict[str, str]:
        """A valid employee form (fresh ID number); `overrides` replace fields."""
        born = TODAY - timedelta(days=age * 366 + self.rng.randrange(0, 300))
        form = {"name": "张" + self.rng.choice("伟芳娜敏静丽强磊军洋"), "mobile": f"139{self.rng.randrange(10**8):08d}",
                "id_number": make_id_number("350203", born, self.rng, male=self.rng.random() < 0.5),
                "id_expiry": (expiry or TODAY + timedelta(days=3650)).isoformat()}
        return {**form, **overrides}

    def employee(self, **kwargs: object) -> Employee:
        return employee_from_form(self.person_form(**kwargs), self.clock().date())  # type: ignore[arg-type]


@pytest.fixture
def world(database_url: str) -> Iterator[PayrollWorld]:  # noqa: F811
    db = Database(database_url)
    upgrade(db.engine)
    clock = MovableClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    store = Store(db, clock=clock)
    payroll = PayrollStore(db, clock)
    core = SimulatedCore(store)
    rng = random.Random(16)
    company = payroll.register_company("厦门示例科技有限公司", make_uscc("350203", rng), "3502031234567890", "BJ001",
                                       by="staff-T01")
    company = payroll.accept_agreement(company.id, company_agreement(), by="agent")
    agent = payroll.add_agent(company.id, "李经办", "li.agent", "correct horse battery")[0]
    try:
        yield PayrollWorld(clock, store, payroll, core, Opening(payroll, store, core), company, agent, rng)
    finally:
        db.dispose()
