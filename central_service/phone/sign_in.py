"""Sign-in by mobile number and a one-time SMS code, with its limits.

The limits are the bank's: a code lives 5 minutes, at most one code per number every 60 s, and 5 wrong codes
lock the number for 15 minutes (a new code does not unlock it). Codes are stored as a keyed hash, never in
clear, and checked in constant time. Every decision reads and writes one row inside one write transaction, so
two requests racing on one number cannot both pass a limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select

from central_service import schema as t
from central_service.crypto import cipher_for
from central_service.db import Database
from central_service.sms import SmsGateway
from central_service.sms.gateway import check_message

CODE_TTL_S = 5 * 60
RESEND_AFTER_S = 60
MAX_WRONG = 5
LOCK_S = 15 * 60
CODE_TEXT = {"zh_CN": "【{bank}】您的登录验证码为{code}，5分钟内有效。请勿告诉他人。",
             "en": "[{bank}] Your sign-in code is {code}, valid for 5 minutes. Do not share it."}


class SignInRefusal(Enum):
    """Why a code was not sent or not accepted (each is a text key of the sign-in pages)."""

    BAD_NUMBER = "bad_number"
    TOO_SOON = "too_soon"
    LOCKED = "locked"
    NO_CODE = "no_code"
    EXPIRED = "expired"
    WRONG = "wrong_code"


class SignInError(Exception):
    """A refused request; `reason` says which limit, `wait_s` how long until it lifts (0 when it does not)."""

    def __init__(self, reason: SignInRefusal, wait_s: int = 0) -> None:
        super().__init__(reason.value)
        self.reason, self.wait_s = reason, wait_s


@dataclass(frozen=True)
class _Row:
    code_hash: str | None
    sent_at: float
    expires_at: float
    wrong_tries: int
    locked_until: float


class SignInCodes:
    """Issues and checks one-time codes (table `sign_in_codes`), sending them through `sms`."""

    def __init__(self, db: Database, sms: SmsGateway, secret: bytes, *, bank_name: str = "银行",
                 clock: Callable[[], float] = time.time) -> None:
        self.db, self.sms, self.secret, self.bank_name, self.clock = db, sms, secret, bank_name, clock
        self.fields = cipher_for(db)  # rows are keyed by a blind index of the number, never the number

    def _key(self, phone: str) -> str:
        return self.fields.index_of(phone, chars=20)

    def _hash(self, phone: str, code: str) -> str:
        return hmac.new(self.secret, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()

    def _row(self, conn, phone: str) -> _Row | None:  # type: ignore[no-untyped-def]
        c = t.sign_in_codes
        row = conn.execute(select(c.c.code_hash, c.c.sent_at, c.c.expires_at, c.c.wrong_tries, c.c.locked_until)
                           .where(c.c.phone == self._key(phone))).first()
        return _Row(*row) if row else None

    def send_code(self, phone: str, *, locale: str = "zh_CN") -> None:
        """Make a fresh code for `phone` and text it. Raises SignInError (bad number, too soon, locked)."""
        try:
            check_message(phone, "x")
        except Exception:
            raise SignInError(SignInRefusal.BAD_NUMBER) from None
        now, code = self.clock(), f"{secrets.randbelow(1_000_000):06d}"
        c = t.sign_in_codes
        with self.db.tx() as conn:
            row = self._row(conn, phone)
            if row and row.locked_until > now:
                raise SignInError(SignInRefusal.LOCKED, int(row.locked_until - now) + 1)
            if row and now - row.sent_at < RESEND_AFTER_S:
                raise SignInError(SignInRefusal.TOO_SOON, int(RESEND_AFTER_S - (now - row.sent_at)) + 1)
            values = {"code_hash": self._hash(phone, code), "sent_at": now, "expires_at": now + CODE_TTL_S,
                      "wrong_tries": row.wrong_tries if row else 0, "locked_until": 0.0}
            if row:
                conn.execute(c.update().where(c.c.phone == self._key(phone)).values(**values))
            else:
                conn.execute(c.insert().values(phone=self._key(phone), **values))
            text = CODE_TEXT.get(locale, CODE_TEXT["zh_CN"]).format(bank=self.bank_name, code=code)
            self.sms.send(phone, text)  # inside the transaction: a refused send leaves no code behind

    def check_code(self, phone: str, code: str) -> None:
        """Accept `code` once (it is spent). Raises SignInError (locked, no code, expired, wrong)."""
        now = self.clock()
        c = t.sign_in_codes
        with self.db.tx() as conn:
            row = self._row(conn, phone)
            if row and row.locked_until > now:
                raise SignInError(SignInRefusal.LOCKED, int(row.locked_until - now) + 1)
            if row is None or row.code_hash is None:
                raise SignInError(SignInRefusal.NO_CODE)
            if row.expires_at <= now:
                raise SignInError(SignInRefusal.EXPIRED)
            if hmac.compare_digest(row.code_hash, self._hash(phone, code.strip())):
                conn.execute(c.update().where(c.c.phone == self._key(phone)).values(code_hash=None, wrong_tries=0))
                return
            wrong = row.wrong_tries + 1
            locked = now + LOCK_S if wrong >= MAX_WRONG else 0.0
            conn.execute(c.update().where(c.c.phone == self._key(phone)).values(
                wrong_tries=0 if locked else wrong, locked_until=locked,
                code_hash=None if locked else row.code_hash))
        # Raised after the commit: the wrong try is counted even though the request fails.
        if locked:
            raise SignInError(SignInRefusal.LOCKED, LOCK_S)
        raise SignInError(SignInRefusal.WRONG)
