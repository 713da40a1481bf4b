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
    LargeBinary,
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

# The simulated SMS gateway's sent messages (central_service/sms): what the demo prints and the tests read.
sms_messages = Table(
    "sms_messages", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("phone", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("sent_at", Float, nullable=False),
)
Index("sms_messages_phone", sms_messages.c.phone, sms_messages.c.n)

# One-time sign-in codes per mobile number (central_service/phone/sign_in.py): the code is kept hashed; the
# row also carries the wrong-try count and the lock-out, so every limit is one row read under the writer lock.
sign_in_codes = Table(
    "sign_in_codes", metadata,
    Column("phone", String(20), primary_key=True),
    Column("code_hash", String(64)),
    Column("sent_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("wrong_tries", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=False, default=0),
)

# Server-side web sessions (central_service/web/sessions.py): the cookie holds a random id, the row its SHA-256,
# the CSRF token and a small JSON of what the pages remember (signed-in principal, language).
web_sessions = Table(
    "web_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("csrf_token", String(64), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)
Index("web_sessions_expiry", web_sessions.c.expires_at)

# Places per branch, day and time slot (central_service/phone/bookings.py): a place is taken by one conditional
# UPDATE (taken < capacity), so two people cannot both take the last one.
booking_slots = Table(
    "booking_slots", metadata,
    Column("branch_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("slot", String(5), primary_key=True),
    Column("capacity", Integer, nullable=False),
    Column("taken", Integer, nullable=False),
)

# A booking made on the phone: a draft holding its place while the customer fills the forms, then "booked" (its
# appointment is in the feed, same id), or "cancelled". `id_hash` (keyed hash of the ID number) counts a
# person's open appointments; the personal data itself lives only in the draft and then the appointment.
phone_bookings = Table(
    "phone_bookings", metadata,
    Column("id", String(64), primary_key=True),
    Column("phone", String(20), nullable=False),
    Column("branch_id", String(64), nullable=False),
    Column("day", String(10), nullable=False),
    Column("slot", String(5), nullable=False),
    Column("status", String(16), nullable=False),
    Column("id_hash", String(64)),
    Column("draft", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)
Index("phone_bookings_phone", phone_bookings.c.phone, phone_bookings.c.status)
Index("phone_bookings_person", phone_bookings.c.id_hash, phone_bookings.c.status)


# ---------------------------------------------------------------------------------------------------------------
# Staff, counter and lobby floor (issue 17; migration 0005): staff accounts, roles, audit log, hand-offs, calls.
# ---------------------------------------------------------------------------------------------------------------

# One row per member of staff. `roles` is a comma-separated list of auth.roles.Role values; the kiosk PIN hash
# (lobby managers) reaches the branch's kiosks through the staff-credentials route; `credentials_seq` orders
# those changes per branch so a kiosk can ask "anything newer than N?".
staff = Table(
    "staff", metadata,
    Column("staff_id", String(32), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("totp_secret", String(64), nullable=False),
    Column("pin_hash", String(200)),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("credentials_seq", BigInteger, nullable=False, default=0),
)
Index("staff_branch", staff.c.branch_id, staff.c.staff_id)

# Failed sign-ins per principal (any kind: staff, company agents of issue 16), for the lock-out, and the last
# TOTP time step that signed it in (a code works once: a code seen over a shoulder cannot be replayed).
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("kind", String(32), primary_key=True),
    Column("login", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=False, default=0.0),
    Column("last_code_step", BigInteger, nullable=False, default=0),
)

# Append-only (no update/delete path in code; triggers refuse both in the database, migration 0005).
audit_log = Table(
    "audit_log", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor_kind", String(32), nullable=False),
    Column("actor_id", String(64), nullable=False),
    Column("branch_id", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("customer_ref", String(64)),
    Column("detail", Text, nullable=False),
)
Index("audit_log_branch", audit_log.c.branch_id, audit_log.c.n)

# A kiosk session that called staff: opened by its `staff_requested` event, acknowledged on the floor.
staff_calls = Table(
    "staff_calls", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("session_id", String(64)),
    Column("reason", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("called_at", String(40), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("answered_by", String(32)),
    Column("answered_at", String(32)),
)
Index("staff_calls_kiosk", staff_calls.c.kiosk_id, staff_calls.c.status)
Index("staff_calls_branch", staff_calls.c.branch_id, staff_calls.c.status)

# A kiosk session a teller should pick up (ended refused, escalated, interrupted, or with a captured card).
handoffs = Table(
    "handoffs", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("session_id", String(64), nullable=False, unique=True),
    Column("appointment_id", String(64)),
    Column("outcome", String(64), nullable=False),
    Column("facts", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("ended_at", String(40), nullable=False),
    Column("taken_by", String(32)),
    Column("served_at", String(32)),
)
Index("handoffs_branch", handoffs.c.branch_id, handoffs.c.status)

# Where the lobby manager sent a walk-in customer (a kiosk or a counter).
triage = Table(
    "triage", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("label", String(64), nullable=False),
    Column("destination", String(64), nullable=False),
    Column("staff_id", String(32), nullable=False),
    Column("at", String(32), nullable=False),
)
Index("triage_branch", triage.c.branch_id, triage.c.at)


# ---------------------------------------------------------------------------------------------------------------
# Payroll batch opening (issue 16; migration 0006): companies, agents, batches, entries.
# ---------------------------------------------------------------------------------------------------------------

# A company the bank serves for payroll, registered by bank staff; the USCC (GB 32100-2015) is unique.
payroll_companies = Table(
    "payroll_companies", metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("payroll_account", String(40), nullable=False),
    Column("branch_id", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(64), nullable=False),
)

# The company-bank agreement (单位代理批量开立个人账户业务协议): accepted once per company, of one text version.
payroll_agreement_acceptances = Table(
    "payroll_agreement_acceptances", metadata,
    Column("company_id", String(40), primary_key=True),
    Column("version", String(16), nullable=False),
    Column("text_sha256", String(64), nullable=False),
    Column("accepted_at", String(32), nullable=False),
    Column("accepted_by", String(64), nullable=False),
)

# A company's authorised agents (经办人): they sign in with password + TOTP through auth/ (kind "agent").
payroll_agents = Table(
    "payroll_agents", metadata,
    Column("id", String(40), primary_key=True),
    Column("company_id", String(40), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("login", String(64), nullable=False, unique=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String(32), nullable=False),
    Column("password_hash", String(255), nullable=False),  # auth.passwords (scrypt)
    Column("totp_secret", String(64), nullable=False),  # auth.totp: the agent's authenticator app
)

# A batch: `revision` grows with every change of its entries; a submission quotes the revision the agent
# reviewed, so a replayed or forged submission of another list is refused.
payroll_batches = Table(
    "payroll_batches", metadata,
    Column("id", String(40), primary_key=True),
    Column("company_id", String(40), nullable=False, index=True),
    Column("branch_id", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("card_product", String(40), nullable=False),
    Column("deadline", String(10), nullable=False),
    Column("expected_headcount", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_by", String(40), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("submitted_at", String(32)),
    Column("approved_at", String(32)),
    Column("approved_by", String(64)),
    Column("file_sha256", String(64)),
)

# An entry's ID card images (front, back): AES-GCM ciphertext only (payroll/images.py), never logged.
payroll_entry_images = Table(
    "payroll_entry_images", metadata,
    Column("entry_id", String(40), primary_key=True),
    Column("side", String(8), primary_key=True),
    Column("content_type", String(32), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("stored_at", String(32), nullable=False),
)

# One entry per ID number per batch (the unique key is a hash, so the constraint needs no plain number);
# `line` orders the list for paging; the personal data is the JSON `doc` (never logged).
payroll_entries = Table(
    "payroll_entries", metadata,
    Column("id", String(40), primary_key=True),
    Column("batch_id", String(40), nullable=False),
    Column("line", Integer, nullable=False),
    Column("id_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reason", String(200)),
    Column("name_masked", String(64), nullable=False),
    Column("id_masked", String(32), nullable=False),
    Column("doc", Text, nullable=False),
    Column("account_id", String(64)),
    Column("account_number_masked", String(32)),
    Column("appointment_id", String(64)),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("batch_id", "id_hash", name="payroll_entries_batch_person"),
    UniqueConstraint("batch_id", "line", name="payroll_entries_batch_line"),
)
# Every kiosk account call asks whether its appointment is a payroll pickup: one index lookup, not a scan.
Index("payroll_entries_appointment", payroll_entries.c.appointment_id)


# ---------------------------------------------------------------------------------------------------------------
# Evidence and personal data (issue 18; migration 0007): consents, signatures, envelope keys, retention.
# ---------------------------------------------------------------------------------------------------------------

# --- evidence of what was confirmed, accepted and signed (issue 18, part A: central_service/evidence/) ---------
# One row per opened account that came with evidence: the confirmed data (JSON), the fields edited at the kiosk,
# and the signature as drawn (PNG) and written (strokes JSON), tied by the PNG's SHA-256.
account_evidence = Table(
    "account_evidence", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_id", String(64), nullable=False),
    Column("kiosk_session_id", String(64), nullable=False),
    Column("appointment_id", String(64)),  # the appointment redeemed by this opening, when there was one
    Column("recorded_at", String(32), nullable=False),
    Column("confirmed_data", Text, nullable=False),
    Column("edited_fields", Text, nullable=False),
    Column("signature_png", LargeBinary, nullable=False),
    Column("signature_sha256", String(64), nullable=False),
    Column("signature_strokes", Text, nullable=False),
    Column("signed_at", String(32), nullable=False),
)

Index("account_evidence_appointment", account_evidence.c.appointment_id)

# Each agreement accepted and each consent given for that account: the text's id, locale and digest, and when.
evidence_acceptances = Table(
    "evidence_acceptances", metadata,
    Column("account_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True),  # "agreement" | "consent"
    Column("item_id", String(64), primary_key=True),
    Column("locale", String(8), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("given_at", String(32), nullable=False),
)
# The one-time codes that confirm the registered mobile number before e-banking is activated
# (central_service/activation/): only the code's and the number's hashes are kept, the number masked.
phone_verifications = Table(
    "phone_verifications", metadata,
    Column("id", String(64), primary_key=True),
    Column("branch_id", String(64), nullable=False),
    Column("kiosk_session_id", String(64), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("phone_hash", String(64), nullable=False),
    Column("phone_masked", String(16), nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # sent | confirmed | retired
    Column("attempts_left", Integer, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("confirmed_at", String(32)),
)
Index("phone_verifications_session", phone_verifications.c.kiosk_session_id)
# --- end of evidence (part A) ------------------------------------------------------------------------------------

# Envelope keys (central_service/crypto): data keys that seal personal fields, each stored wrapped under a
# master key kept outside the database. `purpose` is "field" (sealing) or "index" (the blind index's key).
data_keys = Table(
    "data_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("wrapped", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("generation", Integer, nullable=False),  # the newest data key of a purpose has the highest
)

# Retention (central_service/retention.py): rows whose personal data was purged in place (a redeemed
# appointment keeps its row for the feed; an event keeps its key for idempotency), so reports count what is held.
purged_rows = Table(
    "purged_rows", metadata,
    Column("table_name", String(32), primary_key=True),
    Column("row_id", String(64), primary_key=True),
    Column("purged_at", String(32), nullable=False),
)
