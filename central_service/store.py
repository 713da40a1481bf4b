"""The appointment service's state on SQLAlchemy Core: appointments and their per-branch change feed,
kiosks and enrolment, idempotency keys, events, heartbeats, walk-in form sessions.

Feed order is commit order on both stores: `_next_seq` takes a branch's next sequence number under that
branch's row lock (SELECT ... FOR UPDATE on PostgreSQL, the single writer on SQLite), and the lock is held
until the transaction commits, so a row with a lower number is always visible before one with a higher
number and a kiosk reading "after N" never skips a row that commits late.

Personal data is sealed as it is written and opened as it is read (`self.fields`, central_service/crypto):
appointment documents, walk-in documents, event payloads and stored idempotent answers. Sealed columns are
opaque to SQL; every query filters on the plain columns beside them (branch, status, seq, times).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from central_api_client.checksum import branch_digest, canonical_json
from central_api_client.models import Appointment
from central_service import schema as t
from central_service.crypto import FieldCipher, cipher_for
from central_service.db import Database
from central_service.timefmt import iso

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str, length: int = 16) -> str:
    """A random object id such as `apt_3fJ9...` (matches the contract's ObjectId)."""
    return prefix + "_" + "".join(secrets.choice(_ALNUM) for _ in range(length))


def contract_form(doc: dict[str, Any]) -> dict[str, Any]:
    """The appointment exactly as the contract's model dumps it (defaults filled, no nulls, UTC "Z" times).

    Why on write: the feed and the streamed snapshot send stored documents as they are, and a kiosk stores
    a snapshot line verbatim, so what is stored must already be the contract's canonical form.
    Raises pydantic.ValidationError if the document is not an appointment of the contract.
    """
    return Appointment.model_validate(doc).to_json()


def open_event_payload(db: Database, event_id: str, stored: str) -> str:
    """An event's payload as the kiosk sent it (sealed at rest). Raises FieldDecryptError."""
    return cipher_for(db).decrypt_field(stored, f"events.payload:{event_id}")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    branch_id: str


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: str


@dataclass(frozen=True)
class WalkInRow:
    """A walk-in form session as stored, its document opened."""

    branch_id: str
    status: str
    expires_at: float
    appointment_id: str | None
    secret_hash: str
    document: str = field(repr=False)


@dataclass(frozen=True)
class FeedRow:
    seq: int
    status: str
    doc: str


class Store:
    """All state of the appointment service, on one `Database`."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] | None = None,
                 fields: FieldCipher | None = None) -> None:
        self.db = db
        self.clock = clock or (lambda: datetime.now(UTC))
        if fields is not None:
            db.fields = fields
        self.fields = cipher_for(db)
        self.counters: Counter[str] = Counter()
        self._digests: dict[str, tuple[int, int, int, str]] = {}
        self.epoch = self._meta("epoch", lambda: secrets.token_hex(8))
        self.secret = bytes.fromhex(self._meta("cursor_secret", lambda: secrets.token_hex(32)))

    def _insert(self, table: t.Table) -> Any:
        """The dialect's INSERT (it has on_conflict_do_nothing / do_update on both engines)."""
        return (postgresql.insert if self.db.is_postgres else sqlite.insert)(table)

    def _meta(self, key: str, make: Callable[[], str]) -> str:
        with self.db.tx() as conn:
            conn.execute(self._insert(t.meta).values(key=key, value=make()).on_conflict_do_nothing())
            return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar_one()

    def now(self) -> str:
        return iso(self.clock())

    def seal_doc(self, appointment_id: str, doc_json: str) -> str:
        """The stored form of an appointment's canonical JSON (sealed to its row)."""
        return self.fields.encrypt_field(doc_json, f"appointments.doc:{appointment_id}")

    def open_doc(self, appointment_id: str, stored: str) -> str:
        """The canonical JSON of a stored appointment. Raises FieldDecryptError."""
        return self.fields.decrypt_field(stored, f"appointments.doc:{appointment_id}")

    # --- the feed ------------------------------------------------------------------------------------------

    def _lock_branch(self, conn: Connection, branch_id: str) -> tuple[int, int]:
        """(last_seq, horizon) of the branch, its row locked until commit (created on first use)."""
        conn.execute(self._insert(t.branches).values(branch_id=branch_id, last_seq=0, horizon=0)
                     .on_conflict_do_nothing())
        query = select(t.branches.c.last_seq, t.branches.c.horizon).where(t.branches.c.branch_id == branch_id)
        row = conn.execute(query.with_for_update() if self.db.is_postgres else query).one()
        return row.last_seq, row.horizon

    def _next_seqs(self, conn: Connection, branch_id: str, count: int = 1) -> int:
        """Take `count` sequence numbers of the branch under its row lock; returns the first."""
        last, _ = self._lock_branch(conn, branch_id)
        conn.execute(update(t.branches).where(t.branches.c.branch_id == branch_id)
                     .values(last_seq=last + count))
        self.db.touch(branch_id)
        return last + 1

    def put_appointment(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Insert or replace an appointment at a new feed position; bumps version and updated_at."""
        with self.db.tx() as conn:
            seq = self._next_seqs(conn, doc["branch_id"])
            version = conn.execute(select(t.appointments.c.version)
                                   .where(t.appointments.c.id == doc["id"])).scalar_one_or_none()
            doc = {**doc, "version": version + 1 if version else doc.get("version", 1), "updated_at": self.now()}
            doc.setdefault("created_at", doc["updated_at"])
            doc = contract_form(doc)
            values = {"id": doc["id"], "branch_id": doc["branch_id"], "seq": seq, "status": doc["status"],
                      "version": doc["version"], "updated_at": doc["updated_at"],
                      "doc": self.seal_doc(doc["id"], canonical_json(doc).decode("utf-8"))}
            statement = self._insert(t.appointments).values(**values)
            conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=values))
        return doc

    def put_appointments_bulk(self, docs: list[dict[str, Any]]) -> None:
        """Insert many new appointments in one transaction (seeding, benchmarks); branches locked in order.

        The documents must already be in the contract's form (`seed.generate` makes them so; a test checks it).
        """
        by_branch: dict[str, list[dict[str, Any]]] = {}
        for doc in docs:
            by_branch.setdefault(doc["branch_id"], []).append(doc)
        with self.db.tx() as conn:
            for branch_id in sorted(by_branch):
                group = by_branch[branch_id]
                first = self._next_seqs(conn, branch_id, len(group))
                rows = [{"id": d["id"], "branch_id": branch_id, "seq": first + i, "status": d["status"],
                         "version": d["version"], "updated_at": d["updated_at"],
                         "doc": self.seal_doc(d["id"], canonical_json(d).decode("utf-8"))}
                        for i, d in enumerate(group)]
                for start in range(0, len(rows), 5000):
                    conn.execute(t.appointments.insert(), rows[start:start + 5000])

    def get_appointment(self, appointment_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        """The stored document; `for_update` (inside `db.tx()`) locks its row until commit, for a
        read-check-write such as a redemption (PostgreSQL; SQLite's single writer serialises already)."""
        query = select(t.appointments.c.doc).where(t.appointments.c.id == appointment_id)
        with self.db.read() as conn:
            doc = conn.execute(query.with_for_update() if for_update else query).scalar_one_or_none()
        return json.loads(self.open_doc(appointment_id, doc)) if doc else None

    def appointments(self, branch_id: str, *, include_cancelled: bool = False) -> list[dict[str, Any]]:
        a = t.appointments
        query = select(a.c.id, a.c.doc).where(a.c.branch_id == branch_id)
        if not include_cancelled:
            query = query.where(a.c.status != "cancelled")
        with self.db.read() as conn:
            return [json.loads(self.open_doc(i, doc)) for i, doc in conn.execute(query.order_by(a.c.id))]

    def horizon(self, branch_id: str) -> int:
        """The highest purged tombstone's position: cursors below it missed a deletion."""
        with self.db.read() as conn:
            found = conn.execute(select(t.branches.c.horizon)
                                 .where(t.branches.c.branch_id == branch_id)).scalar_one_or_none()
        return found or 0

    def position(self, branch_id: str) -> int:
        """The branch's feed position as of now."""
        with self.db.read() as conn:
            found = conn.execute(select(t.branches.c.last_seq)
                                 .where(t.branches.c.branch_id == branch_id)).scalar_one_or_none()
        return found or 0

    def feed(self, branch_id: str, after: int, limit: int) -> tuple[list[FeedRow], bool]:
        """Rows after `after` in feed order, and whether more follow."""
        a = t.appointments
        query = (select(a.c.seq, a.c.status, a.c.id, a.c.doc)
                 .where(and_(a.c.branch_id == branch_id, a.c.seq > after)).order_by(a.c.seq).limit(limit + 1))
        with self.db.read() as conn:
            rows = [FeedRow(seq, status, self.open_doc(i, doc)) for seq, status, i, doc in conn.execute(query)]
        return rows[:limit], len(rows) > limit

    def feed_page(self, branch_id: str, after: int, limit: int) -> tuple[list[FeedRow], bool, tuple[int, str] | None]:
        """A feed page, whether more follow, and (on the last page) the branch's count and digest, all read
        from one committed state: a commit between the two reads cannot make an in-step kiosk look diverged."""
        with self.db.snapshot():
            rows, more = self.feed(branch_id, after, limit)
            return rows, more, None if more else self.branch_state(branch_id)

    def branch_state(self, branch_id: str) -> tuple[int, str]:
        """Count and digest of the branch's live appointments (cached per branch position and row count)."""
        a = t.appointments
        with self.db.read() as conn:
            last, total = conn.execute(select(func.coalesce(func.max(a.c.seq), 0), func.count())
                                       .where(a.c.branch_id == branch_id)).one()
            cached = self._digests.get(branch_id)
            if cached and cached[:2] == (last, total):
                return cached[2], cached[3]
            pairs = [tuple(row) for row in conn.execute(
                select(a.c.id, a.c.version).where(and_(a.c.branch_id == branch_id, a.c.status != "cancelled")))]
        digest = branch_digest(pairs)  # type: ignore[arg-type]
        self._digests[branch_id] = (last, total, len(pairs), digest)
        return len(pairs), digest

    def snapshot(self, branch_id: str, after_id: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Live appointments with id > after_id, in id order."""
        a = t.appointments
        query = (select(a.c.id, a.c.doc).where(and_(a.c.branch_id == branch_id, a.c.status != "cancelled",
                                                    a.c.id > after_id)).order_by(a.c.id).limit(limit + 1))
        with self.db.read() as conn:
            docs = [json.loads(self.open_doc(i, doc)) for i, doc in conn.execute(query)]
        return docs[:limit], len(docs) > limit

    def purge_tombstones(self, branch_id: str, *, before: str | None = None) -> int:
        """Forget the branch's cancelled appointments (those last changed before `before`, if given); cursors
        of this branch from before them get 410.

        The horizon is the highest purged tombstone's position, per branch: an up-to-date cursor (or one of
        another branch) stays valid.
        """
        a = t.appointments
        with self.db.tx() as conn:
            _, horizon = self._lock_branch(conn, branch_id)
            gone = and_(a.c.branch_id == branch_id, a.c.status == "cancelled")
            if before is not None:
                gone = and_(gone, a.c.updated_at < before)
            highest = conn.execute(select(func.max(a.c.seq)).where(gone)).scalar_one_or_none()
            purged = conn.execute(delete(a).where(gone)).rowcount
            if highest is not None:
                conn.execute(update(t.branches).where(t.branches.c.branch_id == branch_id)
                             .values(horizon=max(horizon, highest)))
        return purged

    # --- kiosks and enrolment ------------------------------------------------------------------------------

    @staticmethod
    def new_kiosk_id(branch_id: str) -> str:
        return f"k-{branch_id.lower()}-{secrets.token_hex(3)}"

    def add_kiosk(self, branch_id: str, name: str | None = None, kiosk_id: str | None = None, *,
                  cert_fingerprint: str | None = None) -> tuple[Kiosk, str]:
        """Register a kiosk (with its client certificate's fingerprint, under mTLS); returns it and its bearer
        token (shown once, stored hashed)."""
        kiosk_id = kiosk_id or self.new_kiosk_id(branch_id)
        token = secrets.token_urlsafe(32)
        values = {"kiosk_id": kiosk_id, "branch_id": branch_id, "name": name, "token_hash": sha256(token),
                  "enrolled_at": self.now(), "revoked": False, "cert_fingerprint": cert_fingerprint}
        with self.db.tx() as conn:
            conn.execute(self._insert(t.kiosks).values(**values)
                         .on_conflict_do_update(index_elements=["kiosk_id"], set_=values))
        return Kiosk(kiosk_id, branch_id), token

    def kiosk_by_token(self, token: str) -> Kiosk | None:
        k = t.kiosks
        with self.db.read() as conn:
            row = conn.execute(select(k.c.kiosk_id, k.c.branch_id)
                               .where(and_(k.c.token_hash == sha256(token), k.c.revoked.is_(False)))).first()
        return Kiosk(*row) if row else None

    def kiosk_by_certificate(self, fingerprint: str) -> Kiosk | None:
        """The kiosk enrolled with this client certificate, unless revoked (checked on every mTLS request)."""
        k = t.kiosks
        with self.db.read() as conn:
            row = conn.execute(select(k.c.kiosk_id, k.c.branch_id)
                               .where(and_(k.c.cert_fingerprint == fingerprint, k.c.revoked.is_(False)))).first()
        return Kiosk(*row) if row else None

    def kiosk_revoked(self, kiosk_id: str) -> bool:
        """True if the kiosk is unknown or revoked (the mTLS check asks this of a certificate's subject)."""
        with self.db.read() as conn:
            revoked = conn.execute(select(t.kiosks.c.revoked)
                                   .where(t.kiosks.c.kiosk_id == kiosk_id)).scalar_one_or_none()
        return revoked is None or bool(revoked)

    def revoke_kiosk(self, kiosk_id: str) -> None:
        with self.db.tx() as conn:
            conn.execute(update(t.kiosks).where(t.kiosks.c.kiosk_id == kiosk_id).values(revoked=True))

    def new_enrolment_code(self, branch_id: str, ttl_s: float = 3600) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        code = "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))
        with self.db.tx() as conn:
            conn.execute(t.enrolment_codes.insert().values(code=code, branch_id=branch_id,
                                                           expires_at=time.time() + ttl_s))
        return code

    def use_enrolment_code(self, code: str) -> str | None:
        """The branch of a valid code, marking it used; "used" if it was used; None if unknown or expired."""
        e = t.enrolment_codes
        with self.db.tx() as conn:
            row = conn.execute(select(e.c.branch_id, e.c.expires_at, e.c.used_at).where(e.c.code == code)
                               .with_for_update()).first()
            if row is None or row.expires_at < time.time():
                return None
            if row.used_at is not None:
                return "used"
            conn.execute(update(e).where(e.c.code == code).values(used_at=self.now()))
        return row.branch_id

    # --- idempotency, events, heartbeats -------------------------------------------------------------------

    def answer_for(self, branch_id: str, key: str) -> StoredAnswer | None:
        i = t.idempotency
        with self.db.read() as conn:
            row = conn.execute(select(i.c.fingerprint, i.c.status, i.c.body)
                               .where(and_(i.c.branch_id == branch_id, i.c.key == key))).first()
        if row is None:
            return None
        return StoredAnswer(row.fingerprint, row.status,
                            self.fields.decrypt_field(row.body, f"idempotency.body:{branch_id}:{key}"))

    def store_answer(self, branch_id: str, key: str, fingerprint: str, status: int, body: str) -> None:
        with self.db.tx() as conn:
            sealed = self.fields.encrypt_field(body, f"idempotency.body:{branch_id}:{key}")
            conn.execute(t.idempotency.insert().values(branch_id=branch_id, key=key, fingerprint=fingerprint,
                                                       status=status, body=sealed, created_at=self.now()))
        self.counters["keys_applied"] += 1

    def lock_key(self, branch_id: str, key: str) -> None:
        """Serialise the requests that carry one branch's key, until the transaction ends (on PostgreSQL: a
        transaction-scoped advisory lock on the key's hash, so two workers given one key apply it once while
        other keys of the branch go on; SQLite's single writer serialises everything already)."""
        if self.db.is_postgres:
            lock_id = int.from_bytes(hashlib.sha256(f"{branch_id}\0{key}".encode()).digest()[:8], "big", signed=True)
            with self.db.tx() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})

    def event_by_key(self, branch_id: str, key: str) -> Any:
        e = t.events
        with self.db.read() as conn:
            return conn.execute(select(e.c.fingerprint, e.c.event_id, e.c.received_at)
                                .where(and_(e.c.branch_id == branch_id, e.c.key == key))).first()

    def add_event(self, kiosk: Kiosk, key: str, fingerprint: str, event: dict[str, Any],
                  payload: str) -> tuple[str, str]:
        event_id, received = new_id("evt"), self.now()
        with self.db.tx() as conn:
            conn.execute(t.events.insert().values(
                event_id=event_id, branch_id=kiosk.branch_id, kiosk_id=kiosk.kiosk_id, key=key,
                fingerprint=fingerprint, stream=event["stream"], kind=event["kind"],
                occurred_at=event["occurred_at"], received_at=received,
                payload=self.fields.encrypt_field(payload, f"events.payload:{event_id}")))
        return event_id, received

    def event_keys(self, branch_id: str) -> list[str]:
        e = t.events
        with self.db.read() as conn:
            return list(conn.execute(select(e.c.key).where(e.c.branch_id == branch_id).order_by(e.c.n)).scalars())

    def put_heartbeat(self, kiosk_id: str, body: str) -> None:
        values = {"kiosk_id": kiosk_id, "received_at": self.now(), "body": body}
        with self.db.tx() as conn:
            conn.execute(self._insert(t.heartbeats).values(**values)
                         .on_conflict_do_update(index_elements=["kiosk_id"], set_=values))

    # --- walk-in form sessions -----------------------------------------------------------------------------

    def add_walk_in(self, session_id: str, kiosk: Kiosk, secret_hash: str, expires_at: float, document: str) -> None:
        with self.db.tx() as conn:
            conn.execute(t.walk_ins.insert().values(
                id=session_id, branch_id=kiosk.branch_id, kiosk_id=kiosk.kiosk_id, secret_hash=secret_hash,
                status="waiting", expires_at=expires_at,
                document=self.fields.encrypt_field(document, f"walk_ins.document:{session_id}")))

    def walk_in(self, session_id: str) -> WalkInRow | None:
        """The session row (branch_id, status, expires_at, appointment_id, secret_hash, document) or None."""
        w = t.walk_ins
        with self.db.read() as conn:
            row = conn.execute(select(w.c.branch_id, w.c.status, w.c.expires_at, w.c.appointment_id,
                                      w.c.secret_hash, w.c.document).where(w.c.id == session_id)).first()
        if row is None:
            return None
        document = self.fields.decrypt_field(row.document, f"walk_ins.document:{session_id}")
        return WalkInRow(row.branch_id, row.status, row.expires_at, row.appointment_id, row.secret_hash, document)

    def submit_walk_in(self, session_id: str, appointment: dict[str, Any]) -> bool:
        """Store the walk-in's appointment and mark the session submitted; False if it was submitted before."""
        w = t.walk_ins
        with self.db.tx() as conn:
            done = conn.execute(update(w).where(and_(w.c.id == session_id, w.c.status == "waiting"))
                                .values(status="submitted", appointment_id=appointment["id"])).rowcount
            if not done:
                return False
            self.put_appointment(appointment)
        return True

    def count(self, table: str, **where: Any) -> int:
        """Row count for tests and stats (`where`: column equality)."""
        table_ = t.metadata.tables[table]
        query = select(func.count()).select_from(table_)
        for column, value in where.items():
            query = query.where(table_.c[column] == value)
        with self.db.read() as conn:
            return conn.execute(query).scalar_one()
