"""Sign-in with password + TOTP code, over any kind of principal that brings a `CredentialSource`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from central_service.auth import totp
from central_service.auth.lockout import Lockout
from central_service.auth.passwords import DUMMY_HASH, verify_password
from central_service.auth.principal import Principal


@dataclass(frozen=True)
class Credentials:
    principal: Principal
    password_hash: str
    totp_secret: str
    active: bool = True


class CredentialSource(Protocol):
    """Where a kind of principal keeps its credentials (the staff directory; issue 16's company agents)."""

    kind: str

    def credentials(self, login: str) -> Credentials | None: ...


class SignInRefused(Exception):
    """Wrong login, password or code, or a revoked account (one message for all: nothing to enumerate)."""


class SignInLocked(SignInRefused):
    """Too many failed sign-ins: the login is locked for a while, whatever is tried."""


class SignIn:
    """Checks a sign-in attempt against a source, with the shared lock-out."""

    def __init__(self, source: CredentialSource, lockout: Lockout) -> None:
        self.source, self.lockout = source, lockout

    def authenticate(self, login: str, password: str, code: str) -> Principal:
        """The principal for a right login, password and current code.

        Raises SignInLocked while the login is locked, SignInRefused for anything wrong (counted).
        """
        login = login.strip()[:64]
        kind = self.source.kind
        if self.lockout.locked(kind, login):
            raise SignInLocked(login)
        found = self.source.credentials(login) if login else None
        password_ok = verify_password(password, found.password_hash if found else DUMMY_HASH)
        step = totp.code_step(found.totp_secret, code) if found is not None else None
        if found is None or not found.active or not password_ok or step is None \
                or not self.lockout.succeeded(kind, login, step):  # a code already used counts as wrong
            if self.lockout.failed(kind, login):
                raise SignInLocked(login)
            raise SignInRefused(login)
        return found.principal
