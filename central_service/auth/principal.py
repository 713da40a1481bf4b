"""Who is signed in: a principal (kind, id, branch, roles) kept in the web session as plain text values.

Why plain text: the web foundation's `req.sign_in(kind, id, **extra)` stores string values, so every area's
sign-in writes the same shape (roles comma-separated) and any area reads it back; `Principal.from_session`
refuses anything that is not a whole principal (and still reads roles written as a list).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

SESSION_KEY = "principal"


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff", "agent" (issue 16), ...
    id: str
    branch_id: str
    roles: frozenset[str]
    name: str = ""

    def has(self, role: str) -> bool:
        return role in self.roles

    def to_session(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "branch_id": self.branch_id, "roles": ",".join(sorted(self.roles)),
                "name": self.name}

    @classmethod
    def from_session(cls, data: Any) -> Principal | None:
        """The principal stored by `to_session`, or None for anything else."""
        if not isinstance(data, dict):
            return None
        try:
            kind, id_, branch, roles = data["kind"], data["id"], data["branch_id"], data["roles"]
        except KeyError:
            return None
        if isinstance(roles, str):
            roles = [r for r in roles.split(",") if r]
        if not all(isinstance(v, str) and v for v in (kind, id_, branch)) or not isinstance(roles, list):
            return None
        return cls(kind, id_, branch, frozenset(str(r) for r in roles), str(data.get("name", "")))


def sign_in_session(session: MutableMapping[str, Any], principal: Principal) -> None:
    """Put `principal` into the session (the caller rotates the session id, see the web foundation)."""
    session[SESSION_KEY] = principal.to_session()


def sign_out_session(session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_KEY, None)


def current_principal(session: MutableMapping[str, Any], kind: str | None = None) -> Principal | None:
    """The signed-in principal (of `kind`, if given), else None."""
    principal = Principal.from_session(session.get(SESSION_KEY))
    if principal is None or (kind is not None and principal.kind != kind):
        return None
    return principal
