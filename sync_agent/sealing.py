"""Personal data at rest on the kiosk: each synced appointment's payload is sealed with AES-GCM.

Why AES-GCM from `cryptography` and not SQLCipher: the library is already a dependency (QR tokens, PIN
blocks), the database stays a plain SQLite file that sqlite-utils, WAL, `kiosk db status`, the sync agent's
second process and the PII scan all read as before, and only the columns holding personal data pay for it;
SQLCipher would need a patched SQLite build (and a binding that is not kept up) under every process. The cost
is that the sealed columns are opaque to SQL: nothing queries inside `appointments.payload` (the journey reads
one row by id), so nothing is lost.

The key is 32 random bytes in a file of its own, mode 0600 in the service user's 0700 state directory, made
by `kiosk provision` (or on first open). It is never in the database, so a copy of the database file (a
support dump, a backup) carries no readable personal data. Each sealed value names its key (the first 8 hex
digits of the key's SHA-256) and is bound to its row (the appointment id is the associated data), so a value
moved to another row does not open. A lost key file is not an outage: a new key is made, the rows sealed
under the old one read as absent (the journey fetches its appointment by token), and the sync agent rebuilds
the branch from the snapshot (`needs_resync`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
PREFIX = "sealed:v1:"
EMPTY = "{}"  # a cancelled or redeemed appointment: no personal data, nothing to seal


class DataKeyError(Exception):
    """The data key file exists but is not a key (wrong size, unreadable): fix or remove it."""


@dataclass(frozen=True)
class DataKey:
    """The kiosk's data key and its short id (what sealed values name)."""

    key: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        return hashlib.sha256(self.key).hexdigest()[:8]

    @classmethod
    def generate(cls) -> DataKey:
        return cls(secrets.token_bytes(KEY_BYTES))


def key_path_for(database: str | Path) -> Path:
    """Where the data key of a database lives unless the caller says otherwise: beside it, `<database>.key`."""
    return Path(f"{database}.key")


def create_key_file(path: Path) -> DataKey:
    """Write a new key to `path` (mode 0600, never over an existing file). Raises FileExistsError, OSError."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = DataKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key.key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def read_key_file(path: Path) -> DataKey:
    """The key in `path`. Raises FileNotFoundError if absent, DataKeyError if it is not a key."""
    data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise DataKeyError(f"{path}: a data key is {KEY_BYTES} bytes, this file has {len(data)}")
    return DataKey(data)


def load_or_create_key(path: Path) -> tuple[DataKey, bool]:
    """The key in `path`, made first if the file is missing; (key, whether it was made now).

    Two processes (app and sync agent) starting together agree: the file is created exclusively and the
    loser reads the winner's key. Raises DataKeyError, OSError.
    """
    with contextlib.suppress(FileNotFoundError):
        return read_key_file(path), False
    try:
        return create_key_file(path), True
    except FileExistsError:
        return read_key_file(path), False


class Sealer:
    """Seals and opens the personal payload of one row (`context`: the row's id, bound as associated data)."""

    def __init__(self, key: DataKey) -> None:
        self._aead = AESGCM(key.key)
        self.key_id = key.key_id
        self._prefix = f"{PREFIX}{self.key_id}:"

    def seal(self, plaintext: str, context: str) -> str:
        """The stored form of `plaintext`; an empty payload ("{}") stays as it is."""
        if plaintext == EMPTY:
            return EMPTY
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return self._prefix + base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, stored: str, context: str) -> str | None:
        """The plaintext, or None when it was sealed under another key, for another row, or is damaged.

        A value that was never sealed (written before this release) is returned as it is.
        """
        if not stored.startswith(PREFIX):
            return stored
        if not stored.startswith(self._prefix):
            return None
        try:
            raw = base64.b64decode(stored[len(self._prefix):], validate=True)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError):
            return None

    def foreign_pattern(self) -> tuple[str, str]:
        """(LIKE pattern of any sealed value, prefix of this key's): SQL finds rows sealed under another key."""
        return PREFIX + "%", self._prefix
