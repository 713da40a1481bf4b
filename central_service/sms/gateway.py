"""The SMS port (`SmsGateway`) and the simulated gateway that keeps messages in the store."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import desc, select

from central_service import schema as t
from central_service.crypto import cipher_for
from central_service.db import Database

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
MAX_BODY = 480  # three concatenated Chinese SMS parts (70 characters each) with room to spare


class SmsError(Exception):
    """The gateway did not accept the message (bad number, empty or overlong text, provider refusal)."""


@dataclass(frozen=True)
class SentMessage:
    phone: str
    body: str
    sent_at: float


class SmsGateway(Protocol):
    """Sends one text to one mainland mobile number; raises SmsError if it cannot."""

    def send(self, phone: str, body: str) -> None: ...


def check_message(phone: str, body: str) -> None:
    """Raises SmsError unless `phone` is an 11-digit mainland mobile number and `body` a sendable text."""
    if not _MOBILE.match(phone):
        raise SmsError("not an 11-digit mainland mobile number")
    if not body.strip() or len(body) > MAX_BODY:
        raise SmsError(f"message must be 1..{MAX_BODY} characters")


class SimulatedSmsGateway:
    """Stores each message (table `sms_messages`); `echo` (dev mode) also shows it to the person at the console.

    Why the store and not memory: the service may run in another process or several workers; the demo and the
    browser tests read the code the way the customer would, from "the phone".
    """

    def __init__(self, db: Database, *, echo: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.echo, self.clock = db, echo, clock
        self.fields = cipher_for(db)  # the number is a blind index, the text sealed (docs/security.md)

    def send(self, phone: str, body: str) -> None:
        """Keep the message as sent. Raises SmsError for a bad number or text."""
        check_message(phone, body)
        with self.db.tx() as conn:
            key = self.fields.index_of(phone, chars=20)
            sealed = self.fields.encrypt_field(body, f"sms_messages.body:{key}")
            conn.execute(t.sms_messages.insert().values(phone=key, body=sealed, sent_at=self.clock()))
        if self.echo is not None:
            self.echo(f"[simulated SMS to {phone}] {body}")

    def messages(self, phone: str, *, limit: int = 20) -> list[SentMessage]:
        """The messages sent to `phone`, newest first."""
        m = t.sms_messages
        key = self.fields.index_of(phone, chars=20)
        query = select(m.c.body, m.c.sent_at).where(m.c.phone == key).order_by(desc(m.c.n)).limit(limit)
        with self.db.read() as conn:
            rows = conn.execute(query).all()
        return [SentMessage(phone, self.fields.decrypt_field(body, f"sms_messages.body:{key}"), sent_at)
                for body, sent_at in rows]

    def last(self, phone: str) -> SentMessage | None:
        """The newest message sent to `phone`, or None."""
        found = self.messages(phone, limit=1)
        return found[0] if found else None
