"""The service's tables, once, as SQLAlchemy Core `MetaData`: the same schema on SQLite and PostgreSQL.

Why Core and not the ORM: the routes store and serve canonical JSON documents and feed rows; a table API is
all they need, and Core statements read the same on both engines. Alembic migrations are written against this.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

# One row per branch: its feed counter and its purge horizon. Writers lock this row (SELECT ... FOR UPDATE on
# PostgreSQL; the single writer on SQLite) to take the next sequence number, so feed order is commit order.
branches = Table(
    "branches", metadata,
    Column("branch_id", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False, default=0),
    Column("horizon", BigInteger, nullable=False, default=0),
)

appointments = Table(
    "appointments", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("doc", Text, nullable=False),
    UniqueConstraint("branch_id", "seq", name="appointments_branch_seq"),
)
Index("appointments_live", appointments.c.branch_id, appointments.c.status, appointments.c.id)
# The streamed snapshot reads a branch in id order, 2,000 rows at a time: without this index every block sorts
# the rest of the branch (100k rows: 12 s instead of well under one). Added by migration 0003.
Index("appointments_branch_order", appointments.c.branch_id, appointments.c.id)

kiosks = Table(
    "kiosks", metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("name", String(200)),
    Column("token_hash", String(64), unique=True),
    Column("enrolled_at", String(32), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    # SHA-256 of the client certificate signed at enrolment (mTLS): each request's certificate must match a
    # kiosk that is not revoked. Added by migration 0002.
    Column("cert_fingerprint", String(64), unique=True),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("code", String(32), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", String(32)),
)

idempotency = Table(
    "idempotency", metadata,
    Column("branch_id", String(64), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

events = Table(
    "events", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("key", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("stream", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", String(32), nullable=False),
    UniqueConstraint("branch_id", "key", name="events_branch_key"),
)

heartbeats = Table(
    "heartbeats", metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("received_at", String(32), nullable=False),
    Column("body", Text, nullable=False),
)

walk_ins = Table(
    "walk_ins", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("document", Text, nullable=False),
    Column("appointment_id", String(64)),
)

# The simulated core bank's own state (core_banking/simulated.py): people rules and its records.
core_people = Table(
    "core_people", metadata,
    Column("id_number", String(32), primary_key=True),
    Column("blocklisted", Boolean, nullable=False, default=False),
    Column("holds_class1", Boolean, nullable=False, default=False),
    Column("outcome", String(16)),
)

core_records = Table(
    "core_records", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(64)),
    Column("body", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)
Index("core_records_ref", core_records.c.kind, core_records.c.ref)


# ---------------------------------------------------------------------------------------------------------------
# Phone pages (issue 15; migration 0004): SMS sign-in, booking slots, personal data, tax and risk declarations.
# ---------------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# Staff, counter and lobby floor (issue 17; migration 0005): staff accounts, roles, audit log, hand-offs, calls.
# ---------------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# Payroll batch opening (issue 16; migration 0006): companies, agents, batches, entries.
# ---------------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# Evidence and personal data (issue 18; migration 0007): consents, signatures, envelope keys, retention.
# ---------------------------------------------------------------------------------------------------------------

# Envelope keys (central_service/crypto): data keys that seal personal fields, each stored wrapped under a
# master key kept outside the database. `purpose` is "field" (sealing) or "index" (the blind index's key).
data_keys = Table(
    "data_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("wrapped", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# Retention (central_service/retention.py): rows whose personal data was purged in place (a redeemed
# appointment keeps its row for the feed; an event keeps its key for idempotency), so reports count what is held.
purged_rows = Table(
    "purged_rows", metadata,
    Column("table_name", String(32), primary_key=True),
    Column("row_id", String(64), primary_key=True),
    Column("purged_at", String(32), nullable=False),
)
