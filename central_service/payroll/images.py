"""ID card images of an entry (front and back), stored encrypted and checked before they are kept.

Why AES-GCM with the entry and side as associated data: a ciphertext moved to another entry or side does not
open. The key is derived (HKDF-SHA256) from the store's own random secret; that keeps images out of clear text in
the table, its backups and any dump of it, but not from someone holding the whole database — a bank deploys a
key from its key service instead (issue 18's envelope keys are the place for it). Images are never logged:
nothing here logs, and the pages stream them only to a signed-in teller.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import and_, delete, select

from central_service import schema as t
from central_service.db import Database
from central_service.payroll.errors import InvalidField

SIDES = ("front", "back")
MAX_BYTES = 4 * 1024 * 1024
MIN_BYTES = 1024
TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def image_key(store_secret: bytes) -> bytes:
    """The images' AES-256 key, derived from the store's secret."""
    return HKDF(hashes.SHA256(), 32, salt=None, info=b"payroll-id-images-v1").derive(store_secret)


def content_type(data: bytes, side: str) -> str:
    """The image's type from its bytes (never from the upload's claimed name or type).

    Raises InvalidField (field `id_<side>`) for an empty, tiny, oversized, or non-JPEG/PNG upload.
    """
    field = f"id_{side}"
    if not MIN_BYTES <= len(data) <= MAX_BYTES:
        raise InvalidField(f"The image must be between 1 KB and {MAX_BYTES // (1024 * 1024)} MB.", field=field)
    for magic, kind in TYPES.items():
        if data.startswith(magic):
            return kind
    raise InvalidField("Upload a photo (JPEG or PNG) of the ID card.", field=field)


class ImageVault:
    """Encrypted ID images on the service's `Database`."""

    def __init__(self, db: Database, key: bytes, now: Callable[[], str]) -> None:
        self.db, self._aead, self.now = db, AESGCM(key), now

    def put(self, entry_id: str, side: str, data: bytes) -> None:
        """Keep one side's image (replacing an earlier upload). Raises InvalidField (see `content_type`)."""
        if side not in SIDES:
            raise InvalidField("unknown side", field="side")
        kind = content_type(data, side)
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, data, f"{entry_id}:{side}".encode())
        i = t.payroll_entry_images
        with self.db.tx() as conn:
            conn.execute(delete(i).where(and_(i.c.entry_id == entry_id, i.c.side == side)))
            conn.execute(i.insert().values(entry_id=entry_id, side=side, content_type=kind, ciphertext=sealed,
                                           stored_at=self.now()))

    def get(self, entry_id: str, side: str) -> tuple[str, bytes] | None:
        """(content type, image bytes), or None if there is none."""
        i = t.payroll_entry_images
        with self.db.read() as conn:
            row = conn.execute(select(i.c.content_type, i.c.ciphertext)
                               .where(and_(i.c.entry_id == entry_id, i.c.side == side))).first()
        if row is None:
            return None
        sealed = bytes(row.ciphertext)
        return row.content_type, self._aead.decrypt(sealed[:12], sealed[12:], f"{entry_id}:{side}".encode())

    def sides(self, entry_id: str) -> set[str]:
        """Which sides were uploaded."""
        i = t.payroll_entry_images
        with self.db.read() as conn:
            return {side for (side,) in conn.execute(select(i.c.side).where(i.c.entry_id == entry_id))}
