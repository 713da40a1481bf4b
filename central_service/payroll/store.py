"""The only SQL on the payroll tables: companies, the agreement acceptance, agents, batches and entries.

Every change of a batch's entries locks the batch row (SELECT ... FOR UPDATE on PostgreSQL; the single writer
on SQLite), moves the entry through `states.move` and bumps the batch's revision in the same transaction, so
the revision an agent reviewed names exactly one list. The personal data is the entry's JSON document; lists
carry the masked name and number only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from central_service import schema as t
from central_service.auth import Credentials, Principal, totp
from central_service.auth.passwords import PasswordTooWeak, hash_password
from central_service.crypto import cipher_for
from central_service.db import Database
from central_service.ids import uscc_valid
from central_service.payroll import errors
from central_service.payroll.agreement import AgreementText
from central_service.payroll.people import Employee
from central_service.payroll.states import Action, BatchState, EntryState, move
from central_service.store import new_id
from central_service.timefmt import iso

CARD_PRODUCTS = ("payroll_debit", "payroll_debit_co_branded")
AGENT_KIND = "agent"
MAX_HEADCOUNT = 10_000


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    uscc: str
    payroll_account: str
    branch_id: str
    agreement_version: str | None


@dataclass(frozen=True)
class Agent:
    id: str
    company_id: str
    name: str
    login: str
    active: bool


@dataclass(frozen=True)
class Batch:
    id: str
    company_id: str
    branch_id: str
    name: str
    card_product: str
    deadline: date
    expected_headcount: int
    state: BatchState
    revision: int
    submitted_at: str | None
    approved_at: str | None


@dataclass(frozen=True)
class Entry:
    """An entry as lists show it: masked, with its state and reason."""

    id: str
    batch_id: str
    line: int
    state: EntryState
    reason: str | None
    name_masked: str
    id_masked: str
    account_number_masked: str | None
    appointment_id: str | None


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


class PayrollStore:
    """Payroll state on the service's `Database`; `clock` is the store's (tests move it). It is also the
    `auth.CredentialSource` of company agents (kind "agent")."""

    kind = AGENT_KIND

    def __init__(self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.db, self.clock = db, clock
        self.fields = cipher_for(db)  # `doc` is sealed at rest, `id_hash` a keyed blind index (docs/security.md)

    def id_hash(self, batch_id: str, id_number: str) -> str:
        """The key that makes an ID number unique in a batch without a plain number in the index (a keyed hash:
        an unkeyed one of an ID number is undone by trying the few billion numbers there are)."""
        return self.fields.index_of(f"{batch_id}:{id_number.upper()}")

    def _seal(self, entry_id: str, employee: Employee) -> str:
        return self.fields.encrypt_field(_doc(employee), f"payroll_entries.doc:{entry_id}")

    def _open(self, entry_id: str, stored: str) -> Employee:
        """The entry's employee. Raises NotFound if retention purged the personal data (central retention)."""
        doc = json.loads(self.fields.decrypt_field(stored, f"payroll_entries.doc:{entry_id}"))
        if doc.get("purged"):
            raise errors.NotFound("the entry's personal data was purged (retention)")
        return Employee.from_doc(doc)

    def now(self) -> str:
        return iso(self.clock())

    def today(self) -> date:
        return self.clock().date()

    # --- companies, agreement, agents ----------------------------------------------------------------------

    def register_company(self, name: str, uscc: str, payroll_account: str, branch_id: str, *, by: str) -> Company:
        """Raises InvalidField, InvalidUscc or CompanyExists."""
        name, uscc, account = name.strip(), uscc.strip().upper(), payroll_account.strip()
        if not 2 <= len(name) <= 100:
            raise errors.InvalidField("Enter the company's registered name.", field="name")
        if not uscc_valid(uscc):
            raise errors.InvalidUscc(field="uscc")
        if not (account.isdigit() and 10 <= len(account) <= 32):
            raise errors.InvalidField("The payroll account is 10 to 32 digits.", field="payroll_account")
        company_id = new_id("co")
        try:
            with self.db.tx() as conn:
                conn.execute(t.payroll_companies.insert().values(
                    id=company_id, name=name, uscc=uscc, payroll_account=account, branch_id=branch_id,
                    created_at=self.now(), created_by=by))
        except IntegrityError:
            raise errors.CompanyExists(field="uscc") from None
        return self.company(company_id)

    def company(self, company_id: str) -> Company:
        """Raises NotFound."""
        c, a = t.payroll_companies, t.payroll_agreement_acceptances
        query = (select(c, a.c.version).select_from(c.outerjoin(a, a.c.company_id == c.c.id))
                 .where(c.c.id == company_id))
        with self.db.read() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise errors.NotFound("no such company")
        return Company(row.id, row.name, row.uscc, row.payroll_account, row.branch_id, row.version)

    def accept_agreement(self, company_id: str, text: AgreementText, *, by: str) -> Company:
        """Record the company's acceptance of `text` (once; a second acceptance changes nothing)."""
        self.company(company_id)
        a = t.payroll_agreement_acceptances
        with self.db.tx() as conn:
            if conn.execute(select(a.c.version).where(a.c.company_id == company_id)).first() is None:
                conn.execute(a.insert().values(company_id=company_id, version=text.version,
                                               text_sha256=text.sha256, accepted_at=self.now(), accepted_by=by))
        return self.company(company_id)

    def add_agent(self, company_id: str, name: str, login: str, password: str) -> tuple[Agent, str]:
        """A new agent and the TOTP secret for their authenticator app (shown once).

        Raises NotFound, InvalidField (name, login, password) or AgentLoginTaken.
        """
        self.company(company_id)
        try:
            password_hash = hash_password(password)
        except PasswordTooWeak:
            raise errors.InvalidField("A password needs at least 10 characters.", field="password") from None
        secret = totp.new_secret()
        name, login = name.strip(), login.strip().lower()
        if not 1 <= len(name) <= 100:
            raise errors.InvalidField("Enter the agent's name.", field="name")
        if not (3 <= len(login) <= 64 and login.replace(".", "").replace("-", "").replace("_", "").isalnum()):
            raise errors.InvalidField("A sign-in name is 3 to 64 letters, digits, '.', '-' or '_'.", field="login")
        agent_id = new_id("ag")
        try:
            with self.db.tx() as conn:
                conn.execute(t.payroll_agents.insert().values(
                    id=agent_id, company_id=company_id, name=name, login=login, active=True, created_at=self.now(),
                    password_hash=password_hash, totp_secret=secret))
        except IntegrityError:
            raise errors.AgentLoginTaken(field="login") from None
        return self.agent(agent_id), secret

    def credentials(self, login: str) -> Credentials | None:
        """For `auth.SignIn` (kind "agent"): the agent's principal (branch of the company), hashes, activity."""
        g, c = t.payroll_agents, t.payroll_companies
        with self.db.read() as conn:
            row = conn.execute(select(g, c.c.branch_id).select_from(g.join(c, c.c.id == g.c.company_id))
                               .where(g.c.login == login.strip().lower())).first()
        if row is None:
            return None
        principal = Principal(AGENT_KIND, row.id, row.branch_id, frozenset({"agent"}), row.name)
        return Credentials(principal, row.password_hash, row.totp_secret, bool(row.active))

    def agent(self, agent_id: str) -> Agent:
        """Raises NotFound."""
        return self._agent(t.payroll_agents.c.id == agent_id)

    def agent_by_login(self, login: str) -> Agent:
        """Raises NotFound."""
        return self._agent(t.payroll_agents.c.login == login.strip().lower())

    def _agent(self, where: Any) -> Agent:
        g = t.payroll_agents
        with self.db.read() as conn:
            row = conn.execute(select(g).where(where)).first()
        if row is None:
            raise errors.NotFound("no such agent")
        return Agent(row.id, row.company_id, row.name, row.login, bool(row.active))

    # --- batches -------------------------------------------------------------------------------------------

    def create_batch(self, agent: Agent, name: str, card_product: str, deadline: date,
                     expected_headcount: int) -> Batch:
        """Raises AgreementNotAccepted or InvalidField (name, card_product, deadline, expected_headcount)."""
        company = self.company(agent.company_id)
        if company.agreement_version is None:
            raise errors.AgreementNotAccepted()
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise errors.InvalidField("Name the batch (up to 100 characters).", field="name")
        if card_product not in CARD_PRODUCTS:
            raise errors.InvalidField("Choose one of the bank's payroll cards.", field="card_product")
        if deadline < self.today():
            raise errors.InvalidField("The deadline cannot be in the past.", field="deadline")
        if not 1 <= expected_headcount <= MAX_HEADCOUNT:
            raise errors.InvalidField(f"Expect 1 to {MAX_HEADCOUNT} employees.", field="expected_headcount")
        batch_id = new_id("pb")
        with self.db.tx() as conn:
            conn.execute(t.payroll_batches.insert().values(
                id=batch_id, company_id=company.id, branch_id=company.branch_id, name=name,
                card_product=card_product, deadline=deadline.isoformat(), expected_headcount=expected_headcount,
                state=BatchState.OPEN.value, revision=0, created_by=agent.id, created_at=self.now()))
        return self.batch(batch_id)

    def batch(self, batch_id: str, *, conn: Connection | None = None, for_update: bool = False) -> Batch:
        """Raises NotFound."""
        b = t.payroll_batches
        query = select(b).where(b.c.id == batch_id)
        if for_update and self.db.is_postgres:
            query = query.with_for_update()
        if conn is not None:
            row = conn.execute(query).first()
        else:
            with self.db.read() as read:
                row = read.execute(query).first()
        if row is None:
            raise errors.NotFound("no such batch")
        return _batch(row)

    def batch_of_agent(self, agent: Agent, batch_id: str) -> Batch:
        """The batch if it is the agent's company's. Raises NotFound or WrongCompany."""
        batch = self.batch(batch_id)
        if batch.company_id != agent.company_id:
            raise errors.WrongCompany()
        return batch

    def companies_of_branch(self, branch_id: str) -> list[Company]:
        c = t.payroll_companies
        with self.db.read() as conn:
            ids = conn.execute(select(c.c.id).where(c.c.branch_id == branch_id).order_by(c.c.name)).scalars().all()
        return [self.company(company_id) for company_id in ids]

    def batches_of_company(self, company_id: str) -> list[Batch]:
        b = t.payroll_batches
        with self.db.read() as conn:
            rows = conn.execute(select(b).where(b.c.company_id == company_id).order_by(b.c.created_at, b.c.id))
            return [_batch(row) for row in rows]

    def batches_in_state(self, branch_id: str, state: BatchState) -> list[Batch]:
        b = t.payroll_batches
        with self.db.read() as conn:
            rows = conn.execute(select(b).where(and_(b.c.branch_id == branch_id, b.c.state == state.value))
                                .order_by(b.c.submitted_at, b.c.id))
            return [_batch(row) for row in rows]

    def _set_batch(self, conn: Connection, batch: Batch, **values: Any) -> None:
        conn.execute(update(t.payroll_batches).where(t.payroll_batches.c.id == batch.id)
                     .values(revision=batch.revision + 1, **values))

    # --- entries -------------------------------------------------------------------------------------------

    def add_entry(self, batch_id: str, employee: Employee) -> Entry:
        """The employee's own form: a new entry, or a returned one filled in again.

        Raises NotFound, DeadlinePassed, BatchFrozen, DuplicateIdNumber or EntryRemoved.
        """
        key = self.id_hash(batch_id, employee.id_number)
        try:
            with self.db.tx() as conn:
                batch = self.batch(batch_id, conn=conn, for_update=True)
                if batch.state is not BatchState.OPEN:
                    raise errors.BatchFrozen()
                if self.today() > batch.deadline:
                    raise errors.DeadlinePassed()
                e = t.payroll_entries
                found = conn.execute(select(e.c.id, e.c.state).where(and_(e.c.batch_id == batch_id,
                                                                          e.c.id_hash == key))).first()
                if found is None:
                    entry_id = self._insert_entry(conn, batch, key, employee)
                else:
                    entry_id = self._refill(conn, batch, found, employee)
                self._set_batch(conn, batch)
        except IntegrityError:  # a concurrent twin got there first
            raise errors.DuplicateIdNumber(field="id_number") from None
        return self.entry(entry_id)

    def _insert_entry(self, conn: Connection, batch: Batch, key: str, employee: Employee) -> str:
        e = t.payroll_entries
        line = conn.execute(select(func.coalesce(func.max(e.c.line), 0)).where(e.c.batch_id == batch.id)).scalar()
        entry_id, masked, now = new_id("pe"), employee.masked(), self.now()
        conn.execute(e.insert().values(
            id=entry_id, batch_id=batch.id, line=line + 1, id_hash=key, state=EntryState.FILLED.value,
            name_masked=masked["name"], id_masked=masked["id_number"], doc=self._seal(entry_id, employee),
            created_at=now, updated_at=now))
        return entry_id

    def _refill(self, conn: Connection, batch: Batch, found: Row[Any], employee: Employee) -> str:
        state = EntryState(found.state)
        if state is EntryState.REMOVED:
            raise errors.EntryRemoved(field="id_number")
        if state is not EntryState.RETURNED:
            raise errors.DuplicateIdNumber(field="id_number")
        self._move(conn, batch, found.id, Action.REFILL, employee=employee, reason=None)
        return found.id

    def _move(self, conn: Connection, batch: Batch, entry_id: str, action: Action, *,
              employee: Employee | None = None, **values: Any) -> None:
        e = t.payroll_entries
        row = conn.execute(select(e.c.state).where(and_(e.c.id == entry_id, e.c.batch_id == batch.id))).first()
        if row is None:
            raise errors.NotFound("no such entry in this batch")
        values["state"] = move(action, batch.state, EntryState(row.state)).value
        if employee is not None:
            masked = employee.masked()
            values.update(doc=self._seal(entry_id, employee), name_masked=masked["name"], id_masked=masked["id_number"])
        conn.execute(update(e).where(e.c.id == entry_id).values(updated_at=self.now(), **values))

    def change_entry(self, batch_id: str, entry_id: str, action: Action, *, reason: str | None = None,
                     employee: Employee | None = None, expect_company: str | None = None) -> Entry:
        """One entry through `action` (correct, remove, agent_return, verify, teller_return).

        `expect_company`: the acting agent's company. Raises NotFound, WrongCompany, BatchFrozen, NotAllowedNow,
        ReasonRequired or DuplicateIdNumber (a correction to a number already in the batch).
        """
        values: dict[str, Any] = {}
        if action in (Action.AGENT_RETURN, Action.TELLER_RETURN):
            if not reason or not reason.strip():
                raise errors.ReasonRequired(field="reason")
            values["reason"] = reason.strip()[:200]
        if action is Action.VERIFY:
            values["reason"] = None
        try:
            with self.db.tx() as conn:
                batch = self.batch(batch_id, conn=conn, for_update=True)
                if expect_company is not None and batch.company_id != expect_company:
                    raise errors.WrongCompany()
                if employee is not None:
                    values["id_hash"] = self.id_hash(batch_id, employee.id_number)
                self._move(conn, batch, entry_id, action, employee=employee, **values)
                self._set_batch(conn, batch)
        except IntegrityError:
            raise errors.DuplicateIdNumber(field="id_number") from None
        return self.entry(entry_id)

    def submit(self, agent: Agent, batch_id: str, revision: int) -> Batch:
        """Freeze the batch as the agent reviewed it at `revision`: filled entries become submitted.

        Raises WrongCompany, AlreadySubmitted, StaleSubmission or EmptyBatch.
        """
        with self.db.tx() as conn:
            batch = self.batch(batch_id, conn=conn, for_update=True)
            if batch.company_id != agent.company_id:
                raise errors.WrongCompany()
            if batch.state is not BatchState.OPEN:
                raise errors.AlreadySubmitted()
            if revision != batch.revision:
                raise errors.StaleSubmission()
            e = t.payroll_entries
            filled = and_(e.c.batch_id == batch_id, e.c.state == EntryState.FILLED.value)
            if conn.execute(select(func.count()).where(filled)).scalar() == 0:
                raise errors.EmptyBatch()
            conn.execute(update(e).where(filled).values(state=EntryState.SUBMITTED.value, updated_at=self.now()))
            self._set_batch(conn, batch, state=BatchState.SUBMITTED.value, submitted_at=self.now())
        return self.batch(batch_id)

    def mark_approved(self, conn: Connection, batch: Batch, by: str) -> None:
        """Raises UndecidedEntries if an entry still waits for the teller, NotAllowedNow if not submitted."""
        if batch.state is not BatchState.SUBMITTED:
            raise errors.NotAllowedNow(f"the batch is {batch.state}, not submitted")
        e = t.payroll_entries
        waiting = conn.execute(select(func.count()).where(and_(
            e.c.batch_id == batch.id, e.c.state == EntryState.SUBMITTED.value))).scalar()
        if waiting:
            raise errors.UndecidedEntries(f"{waiting} entries wait for the teller's check")
        self._set_batch(conn, batch, state=BatchState.APPROVED.value, approved_at=self.now(), approved_by=by)

    def record_opening(self, conn: Connection, batch: Batch, entry_id: str, *, account: dict[str, Any] | None,
                       refusal: str | None, appointment_id: str | None) -> None:
        """The core's answer for one entry: opened (account, appointment) or failed (reason)."""
        if account is not None:
            self._move(conn, batch, entry_id, Action.OPEN, account_id=account["account_id"],
                       account_number_masked=account["account_number_masked"], appointment_id=appointment_id)
        else:
            self._move(conn, batch, entry_id, Action.REFUSE, reason=refusal)

    def entry(self, entry_id: str) -> Entry:
        """Raises NotFound."""
        e = t.payroll_entries
        with self.db.read() as conn:
            row = conn.execute(select(e).where(e.c.id == entry_id)).first()
        if row is None:
            raise errors.NotFound("no such entry")
        return _entry(row)

    def employee(self, entry_id: str) -> Employee:
        """The entry's full personal data (the teller's check, the agent's correction, the batch file)."""
        e = t.payroll_entries
        with self.db.read() as conn:
            doc = conn.execute(select(e.c.doc).where(e.c.id == entry_id)).scalar_one_or_none()
        if doc is None:
            raise errors.NotFound("no such entry")
        return self._open(entry_id, doc)

    def find_entry(self, batch_id: str, id_number: str) -> Entry | None:
        """The batch's entry for this ID number, if any (the employee's status page, the kiosk's lookup)."""
        e = t.payroll_entries
        with self.db.read() as conn:
            row = conn.execute(select(e).where(and_(e.c.batch_id == batch_id,
                                                    e.c.id_hash == self.id_hash(batch_id, id_number)))).first()
        return None if row is None else _entry(row)

    def account_for_appointment(self, appointment_id: str | None) -> str | None:
        """The account opened in batch for this pickup appointment (None: not a payroll pickup)."""
        if not appointment_id:
            return None
        e = t.payroll_entries
        with self.db.read() as conn:
            return conn.execute(select(e.c.account_id).where(e.c.appointment_id == appointment_id)).scalar()

    def page(self, batch_id: str, page: int = 1, per_page: int = 50, *,
             states: tuple[EntryState, ...] = ()) -> Page:
        """One page of the batch's list in line order (a 2,000-employee batch stays usable)."""
        e = t.payroll_entries
        where = e.c.batch_id == batch_id
        if states:
            where = and_(where, e.c.state.in_([s.value for s in states]))
        page, per_page = max(1, page), min(max(1, per_page), 200)
        with self.db.read() as conn:
            total = conn.execute(select(func.count()).where(where)).scalar() or 0
            rows = conn.execute(select(e).where(where).order_by(e.c.line)
                                .limit(per_page).offset((page - 1) * per_page))
            return Page([_entry(row) for row in rows], total, page, per_page)

    def with_employees(self, batch_id: str, states: tuple[EntryState, ...]) -> Iterator[tuple[Entry, Employee]]:
        """Every entry in `states` with its personal data, in line order (the batch file, the opening)."""
        e = t.payroll_entries
        with self.db.read() as conn:
            rows = conn.execute(select(e).where(and_(e.c.batch_id == batch_id,
                                                     e.c.state.in_([s.value for s in states])))
                                .order_by(e.c.line)).all()
        for row in rows:
            yield _entry(row), self._open(row.id, row.doc)

    def progress(self, batch_id: str) -> dict[EntryState, int]:
        """How many entries are in each state."""
        e = t.payroll_entries
        with self.db.read() as conn:
            rows = conn.execute(select(e.c.state, func.count()).where(e.c.batch_id == batch_id)
                                .group_by(e.c.state))
            counts = {EntryState(state): n for state, n in rows}
        return {state: counts.get(state, 0) for state in EntryState}


def _doc(employee: Employee) -> str:
    return json.dumps(employee.to_doc(), ensure_ascii=False, sort_keys=True)


def _batch(row: Row[Any]) -> Batch:
    return Batch(row.id, row.company_id, row.branch_id, row.name, row.card_product, date.fromisoformat(row.deadline),
                 row.expected_headcount, BatchState(row.state), row.revision, row.submitted_at, row.approved_at)


def _entry(row: Row[Any]) -> Entry:
    return Entry(row.id, row.batch_id, row.line, EntryState(row.state), row.reason, row.name_masked, row.id_masked,
                 row.account_number_masked, row.appointment_id)
