"""The append-only audit log: who did what, when, to which customer.

Append-only twice: this module has no update or delete, and the database refuses both by trigger (migration
0005), so a view of a customer's full data can never be unwritten.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from central_service import schema as t
from central_service.auth.principal import Principal
from central_service.db import Database
from central_service.timefmt import iso


@dataclass(frozen=True)
class AuditEntry:
    n: int
    at: str
    actor_kind: str
    actor_id: str
    branch_id: str
    action: str
    customer_ref: str | None
    detail: dict[str, Any]


class AuditLog:
    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def append(self, actor: Principal, action: str, *, customer_ref: str | None = None,
               detail: dict[str, Any] | None = None) -> None:
        """Write one entry (inside the caller's transaction if there is one). `detail` must hold no personal
        data: references and masked values only."""
        with self.db.tx() as conn:
            conn.execute(t.audit_log.insert().values(
                at=iso(self.clock()), actor_kind=actor.kind, actor_id=actor.id, branch_id=actor.branch_id,
                action=action, customer_ref=customer_ref,
                detail=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True)))

    def entries(self, branch_id: str, *, limit: int = 200, customer_ref: str | None = None) -> list[AuditEntry]:
        """The branch's newest entries first."""
        a = t.audit_log
        query = select(a).where(a.c.branch_id == branch_id)
        if customer_ref is not None:
            query = query.where(a.c.customer_ref == customer_ref)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(a.c.n.desc()).limit(limit)).mappings().all()
        return [AuditEntry(r["n"], r["at"], r["actor_kind"], r["actor_id"], r["branch_id"], r["action"],
                           r["customer_ref"], json.loads(r["detail"])) for r in rows]
