"""The service's settings: one frozen object, from a TOML file (`[central]` table) and command-line options.

Why a dataclass and not the kiosk's config model: the service imports nothing of the kiosk, and its handful
of keys need no more than a typed loader that names an unknown key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_DATABASE = "sqlite:///var/central/central.sqlite"


class SettingsError(ValueError):
    """The config file names an unknown key or a value of the wrong type."""


@dataclass(frozen=True)
class Settings:
    """How to run one node of the service."""

    database: str = DEFAULT_DATABASE  # sqlite:///PATH (embedded) or postgresql://... (fleet)
    key_dir: str | None = "var/central/keys"  # QR signing keys (made on first use); None: in memory
    admin_token: str | None = None  # None: a random one per start (the admin API is then test-only)
    host: str = "127.0.0.1"
    port: int = 8765
    workers: int = 1
    pool_size: int = 10
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    ssl_ca_certs: str | None = None  # the enrolment CA: client certificates are checked against it
    ssl_require_client_cert: bool = False
    enrolment_ca_dir: str | None = None  # the enrolment CA's certificate and key (made on first use): signs CSRs
    log_level: str = "info"
    print_sms: bool = False  # dev mode: the simulated SMS gateway also prints each message on stdout
    # Retention of personal data (`central retention report|purge`), in days after the row's last change.
    retention_completed_days: int = 30  # redeemed appointments: personal fields replaced by masks
    retention_cancelled_days: int = 30  # cancelled appointments: rows deleted (kiosks got their tombstone)
    retention_expired_days: int = 7  # booked appointments whose date (or booking) passed: cancelled, masked
    retention_walk_in_days: int = 7  # walk-in form sessions after they expired: deleted
    retention_event_days: int = 90  # kiosk event payloads: replaced by a purge mark (the key stays)
    retention_answer_days: int = 30  # stored answers of idempotent requests: deleted
    retention_payroll_days: int = 90  # payroll entries once removed, refused or opened: personal JSON purged
    retention_phone_days: int = 7  # phone pages: texts sent, used sign-in codes, drafts of passed booking days

    def with_overrides(self, **values: Any) -> Settings:
        """A copy with the given (non-None) values."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @property
    def is_postgres(self) -> bool:
        return self.database.startswith(("postgresql:", "postgresql+psycopg:"))


def load_settings(path: str | Path | None) -> Settings:
    """Settings from a TOML file's `[central]` table (defaults without a file). Raises SettingsError."""
    if path is None:
        return Settings()
    data = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("central", {})
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"central.{key}: unknown key (expected one of {', '.join(sorted(known))})")
        default = getattr(Settings(), key)
        if default is not None and not isinstance(value, type(default)):
            raise SettingsError(f"central.{key}: expected {type(default).__name__}, got {type(value).__name__}")
        values[key] = value
    return Settings(**values)
