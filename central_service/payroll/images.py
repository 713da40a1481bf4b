"""ID card images of an entry (front and back), checked before they are kept and sealed at rest.

Sealed with the service's envelope keys (`central_service.crypto`: AES-256-GCM under a data key wrapped by a
master key outside the database), in the context of their entry and side, so a value moved to another entry or
side does not open. Images are never logged: nothing here logs, and the pages stream them only to a signed-in
payroll officer, each view in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import and_, delete, select

from central_service import schema as t
from central_service.crypto import cipher_for
from central_service.db import Database
from central_service.payroll.errors import InvalidField

SIDES = ("front", "back")
MAX_BYTES = 4 * 1024 * 1024
MIN_BYTES = 1024
TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


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

    def __init__(self, db: Database, now: Callable[[], str]) -> None:
        self.db, self.fields, self.now = db, cipher_for(db), now

    def put(self, entry_id: str, side: str, data: bytes) -> None:
        """Keep one side's image (replacing an earlier upload). Raises InvalidField (see `content_type`)."""
        if side not in SIDES:
            raise InvalidField("unknown side", field="side")
        kind = content_type(data, side)
        sealed = self.fields.encrypt_bytes(data, _context(entry_id, side))
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
        return row.content_type, self.fields.decrypt_bytes(bytes(row.ciphertext), _context(entry_id, side))

    def sides(self, entry_id: str) -> set[str]:
        """Which sides were uploaded."""
        i = t.payroll_entry_images
        with self.db.read() as conn:
            return {side for (side,) in conn.execute(select(i.c.side).where(i.c.entry_id == entry_id))}


def _context(entry_id: str, side: str) -> str:
    return f"payroll_entry_images.ciphertext:{entry_id}:{side}"
