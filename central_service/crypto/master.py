"""The service's master keys: 32-byte files in `<key_dir>/master/`, one per generation, mode 0600.

Why files beside the QR signing keys and not in the database: the master key is what makes a copy of the
database (a dump, a backup, a stolen disk image of the database volume) unreadable, so it must never be
stored with the data. A master key only wraps data keys (see `fields.py`); rotating it re-wraps them, the data
itself is not rewritten. A fleet's nodes read the same master keys: branch IT distributes the key directory
with the node's config (docs/security.md).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path

KEY_BYTES = 32
SUFFIX = ".key"
MASTER_DIR = "master"  # under the service's key_dir


class MasterKeyMissing(Exception):
    """A data key is wrapped under a master key this node does not have (copy the key directory here)."""


def new_key_id(now: datetime | None = None) -> str:
    """A sortable id: the newest master key is the one with the greatest id."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    return f"m{stamp}-{secrets.token_hex(3)}"


class MasterKeys:
    """The master keys of one node; `None` directory keeps them in memory (tests, throwaway services)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._load()
        if not self._keys:
            self.create()

    @classmethod
    def in_memory(cls) -> MasterKeys:
        return cls(None)

    def _load(self) -> None:
        if self.directory is None or not self.directory.exists():
            return
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            data = path.read_bytes()
            if len(data) != KEY_BYTES:
                raise ValueError(f"{path}: a master key is {KEY_BYTES} bytes, this file has {len(data)}")
            self._keys[path.name.removesuffix(SUFFIX)] = data

    @property
    def current_id(self) -> str:
        """The id of the newest master key: new and re-wrapped data keys go under it."""
        return max(self._keys)

    def ids(self) -> list[str]:
        return sorted(self._keys)

    def get(self, key_id: str) -> bytes:
        """The master key `key_id`, looking in the directory again (another node or `central keys rotate` may
        have added it). Raises MasterKeyMissing."""
        with self._lock:
            if key_id not in self._keys:
                self._load()
            if key_id not in self._keys:
                raise MasterKeyMissing(f"master key {key_id} is not in {self.directory or 'memory'}")
            return self._keys[key_id]

    def create(self) -> str:
        """Make a new master key (the current one from now on) and return its id. Raises OSError."""
        key_id, key = new_key_id(), secrets.token_bytes(KEY_BYTES)
        while self._keys and key_id <= max(self._keys):  # two rotations within one second stay ordered
            key_id = new_key_id() + secrets.token_hex(1)
        if self.directory is not None:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            path = self.directory / f"{key_id}{SUFFIX}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, key)
                os.fsync(fd)
            finally:
                os.close(fd)
        with self._lock:
            self._keys[key_id] = key
        return key_id

    def retire(self, key_ids: list[str]) -> None:
        """Forget (and delete) master keys no data key is wrapped under any more."""
        with self._lock:
            for key_id in key_ids:
                self._keys.pop(key_id, None)
                if self.directory is not None:
                    with contextlib.suppress(FileNotFoundError):
                        (self.directory / f"{key_id}{SUFFIX}").unlink()
