"""Envelope encryption of personal fields in the central store: `encrypt_field` / `decrypt_field`.

Why envelope keys: each field is sealed (AES-256-GCM) under a *data key*; data keys are stored in the
`data_keys` table wrapped (AES-256-GCM) under a *master key* that lives outside the database (`master.py`).
Rotating the master key re-wraps a handful of data keys instead of rewriting every row, and a copy of the
database alone opens nothing. Each sealed value names its data key and is bound to its place (`context`,
e.g. "appointments.doc:apt_123", the associated data), so a value copied into another row or column does not
open. A blind index (`index_of`) gives a stable keyed hash for values the store must look up by (an ID
number), under a key that is wrapped the same way and never changes.

Stored form: "enc:v1:<data key id>:<base64(nonce | ciphertext+tag)>". A value without the prefix was written
before encryption came in and is returned as it is (`central keys rotate --reseal` seals those).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from central_service import schema as t
from central_service.crypto.master import MasterKeyMissing, MasterKeys
from central_service.db import Database
from central_service.timefmt import iso

PREFIX = "enc:v1:"
NONCE_BYTES = 12
FIELD, INDEX = "field", "index"


class FieldDecryptError(Exception):
    """A sealed value did not open: unknown data key, another row's value, or damaged."""


@dataclass(frozen=True)
class RotationReport:
    master_key_id: str
    rewrapped: int
    data_key_id: str
    retired_masters: list[str]


def _seal(key: bytes, plaintext: bytes, context: str) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, context.encode("utf-8"))


def _open(key: bytes, sealed: bytes, context: str) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode("utf-8"))


def _wrap_context(key_id: str, purpose: str) -> str:
    return f"data_keys:{purpose}:{key_id}"


class FieldCipher:
    """Seals and opens personal fields of the central store; one per process, shared by every store module."""

    def __init__(self, db: Database, masters: MasterKeys, *, clock: Callable[[], datetime] | None = None) -> None:
        self.db, self.masters = db, masters
        self.clock = clock or (lambda: datetime.now(UTC))
        self._keys: dict[str, AESGCM] = {}
        self._current: str | None = None
        self._index_key: bytes | None = None
        self._lock = threading.Lock()

    # --- the API other store modules use ----------------------------------------------------------------------

    def encrypt_field(self, value: str, context: str) -> str:
        """The stored form of `value` at `context` ("table.column:row id")."""
        key_id = self.current_key_id()
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = nonce + self._keys[key_id].encrypt(nonce, value.encode("utf-8"), context.encode("utf-8"))
        return f"{PREFIX}{key_id}:{base64.b64encode(sealed).decode('ascii')}"

    def decrypt_field(self, stored: str, context: str) -> str:
        """The value of a stored field. Raises FieldDecryptError if it does not open."""
        if not stored.startswith(PREFIX):
            return stored
        key_id, _, body = stored[len(PREFIX):].partition(":")
        try:
            sealed = base64.b64decode(body, validate=True)
            aead = self._data_key(key_id)
            return aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context.encode("utf-8")).decode("utf-8")
        except (InvalidTag, ValueError, KeyError) as exc:
            raise FieldDecryptError(f"{context}: sealed value does not open ({type(exc).__name__})") from None

    def encrypt_bytes(self, data: bytes, context: str) -> bytes:
        """The stored form of binary data (an image) for a binary column: the sealed text of its base64."""
        return self.encrypt_field(base64.b64encode(data).decode("ascii"), context).encode("ascii")

    def decrypt_bytes(self, stored: bytes, context: str) -> bytes:
        """The binary data of a stored value (one written before encryption is returned as it is).

        Raises FieldDecryptError if it does not open."""
        if not stored.startswith(PREFIX.encode("ascii")):
            return stored
        return base64.b64decode(self.decrypt_field(stored.decode("ascii"), context))

    def index_of(self, value: str, *, chars: int = 32) -> str:
        """A keyed hash of `value` to look it up by (the same value always gives the same index): 32 hex
        characters (128 bits), or `chars` (at least 20, 80 bits) to fit a column sized for the value itself."""
        if not 20 <= chars <= 64:
            raise ValueError("a blind index has 20..64 hex characters")
        if self._index_key is None:
            self._index_key = self._load_or_make(INDEX)[1]
        return hmac.new(self._index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:chars]

    # --- data keys --------------------------------------------------------------------------------------------

    def current_key_id(self) -> str:
        """The data key new values are sealed under (made on first use)."""
        if self._current is None:
            key_id, key = self._load_or_make(FIELD)
            with self._lock:
                self._keys[key_id] = AESGCM(key)
                self._current = key_id
        return self._current

    def _data_key(self, key_id: str) -> AESGCM:
        found = self._keys.get(key_id)
        if found is not None:
            return found
        d = t.data_keys
        with self.db.read() as conn:
            row = conn.execute(select(d.c.wrapped, d.c.master_key_id, d.c.purpose)
                               .where(d.c.key_id == key_id)).first()
        if row is None or row.purpose != FIELD:
            raise KeyError(key_id)
        aead = AESGCM(self._unwrap(key_id, row.purpose, row.wrapped, row.master_key_id))
        with self._lock:
            self._keys[key_id] = aead
        return aead

    def _unwrap(self, key_id: str, purpose: str, wrapped: str, master_key_id: str) -> bytes:
        return _open(self.masters.get(master_key_id), base64.b64decode(wrapped), _wrap_context(key_id, purpose))

    def _wrap(self, key_id: str, purpose: str, key: bytes, master_key_id: str) -> str:
        sealed = _seal(self.masters.get(master_key_id), key, _wrap_context(key_id, purpose))
        return base64.b64encode(sealed).decode("ascii")

    def _load_or_make(self, purpose: str) -> tuple[str, bytes]:
        """The newest data key of `purpose`, made (and stored wrapped) when there is none.

        The first key of a purpose has a fixed id, so two threads or processes making it at once (PostgreSQL's
        READ COMMITTED lets both see none) end with one: the second insert waits for the first to commit, does
        nothing, and both read the winner's (SQLite's single writer serialises them anyway).
        For the blind index this is correctness, not tidiness: two index keys would index one value twice.
        """
        d = t.data_keys
        newest = (select(d.c.key_id, d.c.wrapped, d.c.master_key_id).where(d.c.purpose == purpose)
                  .order_by(d.c.generation.desc()).limit(1))
        with self.db.tx() as conn:  # no lock of ours around it: a writer already inside a transaction may call
            row = conn.execute(newest).first()
            if row is None:
                self._insert_key(conn, purpose, key_id=f"dk_first_{purpose}")
                row = conn.execute(newest).one()
            return row.key_id, self._unwrap(row.key_id, purpose, row.wrapped, row.master_key_id)

    def _insert_key(self, conn: Connection, purpose: str, *, key_id: str | None = None) -> tuple[str, bytes]:
        key_id, key = key_id or f"dk_{secrets.token_hex(8)}", secrets.token_bytes(32)
        master = self.masters.current_id
        d = t.data_keys
        generation = conn.execute(select(func.coalesce(func.max(d.c.generation), 0))).scalar_one() + 1
        statement = (postgresql.insert if self.db.is_postgres else sqlite.insert)(d).values(
            key_id=key_id, purpose=purpose, master_key_id=master, generation=generation,
            wrapped=self._wrap(key_id, purpose, key, master), created_at=iso(self.clock()))
        conn.execute(statement.on_conflict_do_nothing(index_elements=["key_id"]))
        return key_id, key

    # --- rotation ---------------------------------------------------------------------------------------------

    def rotate(self) -> RotationReport:
        """A new master key; every data key re-wrapped under it (one transaction); a new field data key for
        new writes; master keys nothing is wrapped under any more are deleted. Old data reads as before."""
        master = self.masters.create()
        d = t.data_keys
        with self.db.tx() as conn:
            rows = conn.execute(select(d.c.key_id, d.c.purpose, d.c.wrapped, d.c.master_key_id)).all()
            for row in rows:
                key = self._unwrap(row.key_id, row.purpose, row.wrapped, row.master_key_id)
                conn.execute(update(d).where(d.c.key_id == row.key_id).values(
                    master_key_id=master, wrapped=self._wrap(row.key_id, row.purpose, key, master)))
            key_id, key = self._insert_key(conn, FIELD)
        with self._lock:
            self._keys[key_id] = AESGCM(key)
            self._current = key_id
        old = [m for m in self.masters.ids() if m != master]
        self.masters.retire(old)
        return RotationReport(master, len(rows), key_id, old)

    def check_master_keys(self) -> None:
        """Raise MasterKeyMissing, naming them, if data keys are wrapped under master keys this node lacks (a
        fleet node started with another key directory): at start, not at the first request that needs one."""
        d = t.data_keys
        with self.db.read() as conn:
            needed = set(conn.execute(select(d.c.master_key_id).distinct()).scalars())
        missing = sorted(m for m in needed if m not in self.masters.ids())
        if missing:
            where = self.masters.directory or "memory"
            raise MasterKeyMissing(f"data keys are wrapped under master key(s) {', '.join(missing)}, not in {where}: "
                                   "copy the fleet's key_dir/master here (docs/security.md)")

    def data_key_ids(self) -> list[str]:
        """Every field data key, oldest first (for reports and tests)."""
        d = t.data_keys
        with self.db.read() as conn:
            return list(conn.execute(select(d.c.key_id).where(d.c.purpose == FIELD).order_by(d.c.generation)).scalars())


def cipher_for(db: Database) -> FieldCipher:
    """The FieldCipher every store module on `db` shares: the one the service was assembled with
    (`build_central`), or, for a Database made alone (tests, benchmarks), one with in-memory master keys."""
    if db.fields is None:
        db.fields = FieldCipher(db, MasterKeys.in_memory())
    return db.fields


def key_of(stored: str) -> str | None:
    """The data key id a stored value is sealed under (None if not sealed)."""
    if not stored.startswith(PREFIX):
        return None
    return stored[len(PREFIX):].partition(":")[0]
