"""Lobby-manager authentication on the kiosk: staff id + PIN with lockout after repeated failures.

PINs are stored as scrypt hashes. The central staff directory is their source (the sync agent keeps a copy in
the kiosk database, `directory`); the per-kiosk staff file (`kiosk staff set-pin`) only answers for ids the
directory does not know, so a revocation in the directory beats a PIN left in the file. A locked staff id stays
locked for `lock_s` seconds whatever PIN is tried, so guessing at the kiosk is slow and visible in the journal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from central_api_client.staff_pins import hash_pin, pin_matches

STAFF_ID_PREFIX = "M"
__all__ = ["StaffAuthenticator", "StaffLocked", "hash_pin", "staff_id_from_digits"]


def staff_id_from_digits(digits: str) -> str:
    """A staff id from what a numeric keypad can type: "1" -> "M001" (ids are M + at least three digits)."""
    digits = digits.strip()
    return f"{STAFF_ID_PREFIX}{digits.zfill(3)}" if digits.isdigit() else digits


class DirectoryEntry(Protocol):
    pin_hash: str | None
    revoked: bool


class StaffLocked(Exception):
    """This staff id is locked after too many wrong PINs."""


@dataclass
class StaffAuthenticator:
    staff: dict[str, str]
    max_failures: int = 3
    lock_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    directory: Callable[[str], DirectoryEntry | None] | None = None  # the directory's copy (kiosk_app.store.staff)
    _failures: dict[str, int] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)

    def authenticate(self, staff_id: str, pin: str) -> bool:
        """True for a right PIN. Raises StaffLocked while the id is locked (even with the right PIN)."""
        if self._locked_until.get(staff_id, 0.0) > self.clock():
            raise StaffLocked(staff_id)
        stored = self._stored(staff_id)
        if stored is not None and pin_matches(pin, stored):
            self._failures.pop(staff_id, None)
            return True
        self._failures[staff_id] = self._failures.get(staff_id, 0) + 1
        if self._failures[staff_id] >= self.max_failures:
            self._locked_until[staff_id] = self.clock() + self.lock_s
            self._failures[staff_id] = 0
        return False

    def _stored(self, staff_id: str) -> str | None:
        """The PIN hash to check: the directory's (None when revoked), else the staff file's."""
        entry = self.directory(staff_id) if self.directory is not None else None
        if entry is not None:
            return None if entry.revoked else entry.pin_hash
        return self.staff.get(staff_id)
