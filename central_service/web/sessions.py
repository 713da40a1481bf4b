"""Server-side web sessions: the cookie carries a random id, the table its SHA-256 and what the pages remember.

Why server-side: a signed-in principal, a CSRF token and a half-filled booking must be revocable and must not
travel in a cookie; a stolen database row (hash only) does not give a usable cookie. Sessions slide: each
request that finds one pushes its expiry on by `idle_s`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update

from central_service import schema as t
from central_service.crypto import cipher_for
from central_service.db import Database

COOKIE_NAME = "__Host-sid"  # __Host-: Secure, Path=/, no Domain: the cookie cannot be planted by a subdomain
IDLE_S = 30 * 60
SLIDE_EVERY_S = 60  # an unchanged session's expiry is pushed on at most once a minute (a write per page is waste)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("ascii")).hexdigest()


def _context(session_id: str) -> str:
    """Where a session's sealed data belongs: its row (by the id's hash, the row's key)."""
    return f"web_sessions.data:{_hash(session_id)}"


@dataclass
class WebSession:
    """One visitor's session: `data` is a small JSON object the pages own (see docs/web-pages.md)."""

    session_id: str
    csrf_token: str
    data: dict[str, Any] = field(default_factory=dict)
    is_new: bool = False
    dirty: bool = False
    rotated_from: str | None = None
    expires_at: float = 0.0

    @property
    def principal(self) -> dict[str, str] | None:
        """Who signed in: {"kind": "phone" | "staff" | "agent", "id": ...}, or None."""
        return self.data.get("principal")

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value
        self.dirty = True

    def pop(self, key: str, default: Any = None) -> Any:
        self.dirty = True
        return self.data.pop(key, default)


class WebSessions:
    """The `web_sessions` table."""

    def __init__(self, db: Database, *, idle_s: float = IDLE_S, clock: Callable[[], float] = time.time) -> None:
        self.db, self.idle_s, self.clock = db, idle_s, clock
        self.fields = cipher_for(db)  # `data` (the signed-in phone, half-filled forms) is sealed at rest

    def new(self) -> WebSession:
        """A fresh session (stored when the response is sent: `save`)."""
        return WebSession(secrets.token_urlsafe(32), secrets.token_urlsafe(32), is_new=True, dirty=True)

    def load(self, session_id: str | None) -> WebSession | None:
        """The live session with this cookie value, or None (unknown or expired)."""
        if not session_id or len(session_id) > 64:
            return None
        w = t.web_sessions
        with self.db.read() as conn:
            row = conn.execute(select(w.c.csrf_token, w.c.data, w.c.expires_at)
                               .where(w.c.id_hash == _hash(session_id))).first()
        if row is None or row.expires_at <= self.clock():
            return None
        data = self.fields.decrypt_field(row.data, _context(session_id))
        return WebSession(session_id, row.csrf_token, json.loads(data), expires_at=row.expires_at)

    def save(self, session: WebSession) -> None:
        """Write the session if it is new or changed, or slide its expiry (at most once a minute if unchanged)."""
        now, w = self.clock(), t.web_sessions
        if not session.dirty and session.expires_at - now > self.idle_s - SLIDE_EVERY_S:
            return
        data = self.fields.encrypt_field(json.dumps(session.data, ensure_ascii=False), _context(session.session_id))
        values = {"csrf_token": session.csrf_token, "data": data, "expires_at": now + self.idle_s}
        with self.db.tx() as conn:
            if session.rotated_from:
                conn.execute(delete(w).where(w.c.id_hash == _hash(session.rotated_from)))
            if session.is_new:
                conn.execute(delete(w).where(w.c.expires_at < now))  # housekeeping, on the rare path
                conn.execute(w.insert().values(id_hash=_hash(session.session_id), created_at=now, **values))
            else:
                conn.execute(update(w).where(w.c.id_hash == _hash(session.session_id)).values(**values))
        session.is_new = session.dirty = False
        session.rotated_from = None
        session.expires_at = values["expires_at"]

    def spend_token(self, session: WebSession, sent: str) -> bool:
        """Replace the session's CSRF token if `sent` is still the stored one (one conditional UPDATE): of two
        posts racing with one token (a double tap, a replay) exactly one gets True."""
        fresh, w = secrets.token_urlsafe(32), t.web_sessions
        with self.db.tx() as conn:
            spent = conn.execute(update(w).where(w.c.id_hash == _hash(session.session_id), w.c.csrf_token == sent)
                                 .values(csrf_token=fresh)).rowcount
        if spent == 1:
            session.csrf_token = fresh
        return spent == 1

    def rotate(self, session: WebSession) -> None:
        """New id and CSRF token for the same data (at sign-in and sign-out: no session fixation)."""
        session.rotated_from = None if session.is_new else session.session_id
        session.session_id = secrets.token_urlsafe(32)
        session.csrf_token = secrets.token_urlsafe(32)
        session.is_new = session.dirty = True

    def end(self, session: WebSession) -> None:
        """Forget the session entirely (sign-out)."""
        with self.db.tx() as conn:
            conn.execute(delete(t.web_sessions).where(t.web_sessions.c.id_hash == _hash(session.session_id)))
