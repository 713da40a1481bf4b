"""`central keys reseal`: every sealed column rewritten under the current data key, plaintext ones sealed.

Why: rotation re-wraps data keys, which is enough when the master key is what was exposed; when a data key
itself may have been (or a store was upgraded from a release that kept these columns in the clear), the data
must be rewritten. Rows are read and written a slice per transaction, so the service keeps serving.

`SEALED` lists every sealed column with the columns that make its context ("<table>.<column>:<row id>", the
associated data each store module seals with); tests/central/test_encryption_at_rest.py writes through the
store modules and reads back after a reseal, so a context that drifts from its module's fails there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select, tuple_, update

from central_service import schema as t
from central_service.crypto.fields import FieldCipher, key_of

SLICE = 500


@dataclass(frozen=True)
class SealedColumn:
    """A column holding sealed values and the key columns its context names, in order."""

    table: str
    column: str
    keys: tuple[str, ...]
    binary: bool = False

    def context(self, row: Any) -> str:
        return f"{self.table}.{self.column}:" + ":".join(str(row[k]) for k in self.keys)


SEALED = [
    SealedColumn("appointments", "doc", ("id",)),
    SealedColumn("walk_ins", "document", ("id",)),
    SealedColumn("events", "payload", ("event_id",)),
    SealedColumn("idempotency", "body", ("branch_id", "key")),
    SealedColumn("core_records", "body", ("id",)),
    SealedColumn("payroll_entries", "doc", ("id",)),
    SealedColumn("account_evidence", "confirmed_data", ("account_id",)),
    SealedColumn("account_evidence", "edited_fields", ("account_id",)),
    SealedColumn("account_evidence", "signature_strokes", ("account_id",)),
    SealedColumn("account_evidence", "signature_png", ("account_id",), binary=True),
    SealedColumn("web_sessions", "data", ("id_hash",)),
    SealedColumn("sms_messages", "body", ("phone",)),  # `phone` holds the number's blind index
    SealedColumn("phone_bookings", "draft", ("id",)),
    SealedColumn("payroll_entry_images", "ciphertext", ("entry_id", "side"), binary=True),
]


def _reseal_value(fields: FieldCipher, spec: SealedColumn, row: Any, current: str) -> Any | None:
    """The value sealed under the current key, or None when it already is."""
    stored = bytes(row[spec.column]) if spec.binary else row[spec.column]  # PostgreSQL may give a memoryview
    text = stored.decode("ascii", "replace") if spec.binary else stored
    if key_of(text) == current:
        return None
    context = spec.context(row)
    if spec.binary:
        return fields.encrypt_bytes(fields.decrypt_bytes(stored, context), context)
    return fields.encrypt_field(fields.decrypt_field(stored, context), context)


def reseal_column(fields: FieldCipher, spec: SealedColumn) -> int:
    """Rewrite one column's values that are not under the current data key; how many were rewritten."""
    table = t.metadata.tables[spec.table]
    keys = [table.c[k] for k in spec.keys]
    current = fields.current_key_id()
    after: tuple[Any, ...] | None = None
    done = 0
    while True:
        query = select(*keys, table.c[spec.column]).order_by(*keys).limit(SLICE)
        if after is not None:
            query = query.where(tuple_(*keys) > tuple_(*after))
        with fields.db.tx() as conn:
            rows = [row._mapping for row in conn.execute(query)]
            for row in rows:
                value = _reseal_value(fields, spec, row, current)
                if value is not None:
                    match = and_(*(table.c[k] == row[k] for k in spec.keys))
                    conn.execute(update(table).where(match).values({spec.column: value}))
                    done += 1
        if len(rows) < SLICE:
            return done
        after = tuple(rows[-1][k] for k in spec.keys)


def reseal(fields: FieldCipher) -> dict[str, int]:
    """Every sealed column under the current data key; rewritten values per "table.column"."""
    return {f"{spec.table}.{spec.column}": reseal_column(fields, spec) for spec in SEALED}
