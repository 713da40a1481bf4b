"""Lock-out after repeated failed sign-ins, per (principal kind, login), kept in the database so every worker
process and a restart see the same count."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from central_service import schema as t
from central_service.db import Database

MAX_FAILURES = 5
LOCK_S = 15 * 60.0


class Lockout:
    """Counts failures; `MAX_FAILURES` in a row lock the login for `LOCK_S` seconds, whatever is tried."""

    def __init__(self, db: Database, *, max_failures: int = MAX_FAILURES, lock_s: float = LOCK_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.max_failures, self.lock_s, self.clock = db, max_failures, lock_s, clock

    def _where(self, kind: str, login: str):  # type: ignore[no-untyped-def]
        f = t.sign_in_failures
        return and_(f.c.kind == kind, f.c.login == login)

    def locked(self, kind: str, login: str) -> bool:
        with self.db.read() as conn:
            until = conn.execute(select(t.sign_in_failures.c.locked_until)
                                 .where(self._where(kind, login))).scalar_one_or_none()
        return until is not None and until > self.clock()

    def failed(self, kind: str, login: str) -> bool:
        """Count one failure; True if this one locked the login."""
        f = t.sign_in_failures
        insert = (postgresql.insert if self.db.is_postgres else sqlite.insert)(f)
        with self.db.tx() as conn:
            conn.execute(insert.values(kind=kind, login=login, failures=0, locked_until=0.0, last_code_step=0)
                         .on_conflict_do_nothing())
            failures = conn.execute(select(f.c.failures).where(self._where(kind, login))).scalar_one() + 1
            locks = failures >= self.max_failures
            values = {"failures": 0, "locked_until": self.clock() + self.lock_s} if locks else {"failures": failures}
            conn.execute(update(f).where(self._where(kind, login)).values(**values))
        return locks

    def succeeded(self, kind: str, login: str, code_step: int = 0) -> bool:
        """Reset the count and spend the TOTP step; False (nothing changed) if that step or a later one signed
        this login in before: a code works once."""
        f = t.sign_in_failures
        insert = (postgresql.insert if self.db.is_postgres else sqlite.insert)(f)
        with self.db.tx() as conn:
            conn.execute(insert.values(kind=kind, login=login, failures=0, locked_until=0.0, last_code_step=0)
                         .on_conflict_do_nothing())
            spent = conn.execute(update(f).where(and_(self._where(kind, login), f.c.last_code_step < code_step))
                                 .values(failures=0, last_code_step=code_step)).rowcount
        return bool(spent)
