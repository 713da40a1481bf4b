"""The contract's timestamp form, in one place for the store, the routes and the seed data."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime) -> str:
    """UTC, whole seconds, "Z" (the contract's date-time form)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
