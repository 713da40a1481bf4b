"""Shared fixtures for the QR area: a central-side signing key, the kiosk's key ring and a one-time-use store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from central_api_client.tokens import AppointmentToken, KeyRing, SigningKey, TokenKind, sign

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
BRANCH = "BJ-0101"


class UsedTokens:
    """A real in-memory one-time-use store: the same contract the SQLite-backed one of the kiosk fulfils."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, token: AppointmentToken) -> bool:
        with self._lock:
            if token.token_id in self._seen:
                return False
            self._seen.add(token.token_id)
            return True


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate("k2025a")


@pytest.fixture
def ring(signing_key: SigningKey) -> KeyRing:
    return KeyRing({signing_key.key_id: signing_key.public_key})


@pytest.fixture
def used() -> UsedTokens:
    return UsedTokens()


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def branch() -> str:
    return BRANCH


@pytest.fixture(scope="session")
def make_token(signing_key: SigningKey) -> Callable[..., str]:
    """A factory of tokens for BRANCH valid for one day from NOW, with any field (or the key) overridden."""

    def make(key: SigningKey | None = None, **overrides: object) -> str:
        fields: dict[str, object] = {
            "appointment_id": "APT-20250314-0042",
            "branch_id": BRANCH,
            "kind": TokenKind.INDIVIDUAL,
            "issued_at": NOW - timedelta(hours=1),
            "not_after": NOW + timedelta(days=1),
        }
        fields.update(overrides)
        return sign(key or signing_key, **fields)  # type: ignore[arg-type]

    return make
