"""The staff directory: accounts per branch with roles, web credentials (password + TOTP) and the kiosk PIN of
lobby managers; the source of the kiosks' staff credentials.

Why the PIN lives here and not on each kiosk: a manager who leaves is revoked once, here, and every kiosk of the
branch learns it on its next credentials fetch (the sync agent asks every few seconds), instead of someone
editing a file on every kiosk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from central_api_client.staff_pins import hash_pin
from central_service import schema as t
from central_service.auth import totp
from central_service.auth.passwords import hash_password
from central_service.auth.principal import Principal
from central_service.auth.signin import Credentials
from central_service.db import Database
from central_service.staff.roles import Role
from central_service.timefmt import iso

KIND = "staff"
STAFF_ID = re.compile(r"^[A-Z][0-9]{3,8}$")  # M001: the kiosk's keypad types the digits, the kiosk adds the M


class StaffError(ValueError):
    """A directory change that cannot be made (bad id, PIN, duplicate, unknown member)."""


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    branch_id: str
    name: str
    roles: frozenset[str]
    revoked: bool
    has_pin: bool

    def principal(self) -> Principal:
        return Principal(KIND, self.staff_id, self.branch_id, self.roles, self.name)


@dataclass(frozen=True)
class KioskCredential:
    staff_id: str
    pin_hash: str | None
    revoked: bool


class StaffDirectory:
    """Accounts of every branch on one `Database`; also the `CredentialSource` of staff sign-in."""

    kind = KIND

    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))

    def add(self, staff_id: str, branch_id: str, name: str, roles: frozenset[Role], password: str,
            pin: str | None = None) -> str:
        """Create an account; returns its new TOTP secret (shown once). Raises StaffError, PasswordTooWeak."""
        if not STAFF_ID.match(staff_id):
            raise StaffError(f"staff ids are a capital letter and 3 to 8 digits (M001): {staff_id!r}")
        if pin is not None:
            _check_pin(pin)
            if Role.LOBBY_MANAGER not in roles:
                raise StaffError("only lobby managers log in at kiosks with a PIN")
        secret, now = totp.new_secret(), iso(self.clock())
        with self.db.tx() as conn:
            if conn.execute(select(t.staff.c.staff_id).where(t.staff.c.staff_id == staff_id)).first():
                raise StaffError(f"{staff_id} exists already")
            conn.execute(t.staff.insert().values(
                staff_id=staff_id, branch_id=branch_id, name=name, roles=",".join(sorted(roles)),
                password_hash=hash_password(password), totp_secret=secret,
                pin_hash=hash_pin(pin) if pin else None, revoked=False, created_at=now, updated_at=now,
                credentials_seq=self._next_seq(branch_id)))
        return secret

    def set_pin(self, staff_id: str, pin: str) -> None:
        """Give a lobby manager a new kiosk PIN. Raises StaffError."""
        _check_pin(pin)
        member = self.get(staff_id)
        if member is None or member.revoked or Role.LOBBY_MANAGER not in member.roles:
            raise StaffError(f"{staff_id} is not an active lobby manager")
        self._change(member, pin_hash=hash_pin(pin))

    def revoke(self, staff_id: str) -> StaffMember:
        """Close the account: no web sign-in, and its PIN stops working at the branch's kiosks."""
        member = self.get(staff_id)
        if member is None:
            raise StaffError(f"no staff member {staff_id}")
        self._change(member, revoked=True, pin_hash=None)
        return member

    def _change(self, member: StaffMember, **values: object) -> None:
        with self.db.tx() as conn:
            conn.execute(update(t.staff).where(t.staff.c.staff_id == member.staff_id).values(
                **values, updated_at=iso(self.clock()), credentials_seq=self._next_seq(member.branch_id)))

    def _next_seq(self, branch_id: str) -> int:
        """The branch's next credentials version (inside the write transaction, so taken in commit order)."""
        with self.db.tx() as conn:
            last = conn.execute(select(func.coalesce(func.max(t.staff.c.credentials_seq), 0))
                                .where(t.staff.c.branch_id == branch_id)).scalar_one()
        return int(last) + 1

    def get(self, staff_id: str) -> StaffMember | None:
        with self.db.read() as conn:
            row = conn.execute(select(t.staff).where(t.staff.c.staff_id == staff_id)).mappings().first()
        return _member(row) if row else None

    def members(self, branch_id: str | None = None) -> list[StaffMember]:
        query = select(t.staff).order_by(t.staff.c.branch_id, t.staff.c.staff_id)
        if branch_id is not None:
            query = query.where(t.staff.c.branch_id == branch_id)
        with self.db.read() as conn:
            return [_member(row) for row in conn.execute(query).mappings()]

    def credentials(self, login: str) -> Credentials | None:
        """For `SignIn`: the account's principal, hashes and whether it may sign in."""
        with self.db.read() as conn:
            row = conn.execute(select(t.staff).where(t.staff.c.staff_id == login)).mappings().first()
        if row is None:
            return None
        return Credentials(_member(row).principal(), row["password_hash"], row["totp_secret"], not row["revoked"])

    def kiosk_credentials(self, branch_id: str) -> tuple[int, list[KioskCredential]]:
        """The branch's lobby managers as its kiosks need them (PIN hashes, revocations) and their version."""
        s = t.staff
        with self.db.read() as conn:
            rows = conn.execute(select(s.c.staff_id, s.c.roles, s.c.pin_hash, s.c.revoked, s.c.credentials_seq)
                                .where(s.c.branch_id == branch_id).order_by(s.c.staff_id)).all()
        version = max((r.credentials_seq for r in rows), default=0)
        found = [KioskCredential(r.staff_id, None if r.revoked else r.pin_hash, bool(r.revoked)) for r in rows
                 if Role.LOBBY_MANAGER.value in r.roles.split(",") and (r.pin_hash or r.revoked)]
        return version, found


def _check_pin(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 6 <= len(pin) <= 12):
        raise StaffError("a kiosk PIN is 6 to 12 digits")


def _member(row: object) -> StaffMember:
    r = row  # a RowMapping of t.staff
    return StaffMember(r["staff_id"], r["branch_id"], r["name"], frozenset(r["roles"].split(",")),  # type: ignore[index]
                       bool(r["revoked"]), r["pin_hash"] is not None)  # type: ignore[index]
