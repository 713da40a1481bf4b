"""The only SQL on `phone_verifications`: issue a code, check it, and answer whether a number was confirmed.

Why hashes: the code and the number are personal and short-lived; a leaked table must not give either back.
The code's hash is salted with the verification's id, so equal codes do not hash alike.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from central_api_client.redaction import mask_mobile
from central_service import schema as t
from central_service.db import Database
from central_service.store import new_id, sha256
from central_service.timefmt import iso

CODE_TTL_S = 300
ATTEMPTS = 5
CODES_PER_SESSION = 5  # a customer may ask again ("resend"), a kiosk may not text a number without end


class VerificationRefused(Exception):
    """The code or the verification cannot be used; `slug` names the problem (the route answers 422/404)."""

    def __init__(self, slug: str, detail: str, status: int = 422) -> None:
        super().__init__(f"{slug}: {detail}")
        self.slug, self.detail, self.status = slug, detail, status


@dataclass(frozen=True)
class Issued:
    answer: dict[str, Any]
    code: str  # to be texted, never returned to the kiosk


def _code_hash(verification_id: str, code: str) -> str:
    return sha256(f"{verification_id}:{code}")


class PhoneVerifications:
    """Codes over the service's `Database`; writes join the caller's transaction (the request's)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    def issue(self, branch_id: str, session_id: str, account_id: str, phone: str) -> Issued:
        """A new code for `phone` (earlier unconfirmed codes of the session are retired).

        Raises VerificationRefused('too-many-codes') after CODES_PER_SESSION codes in one kiosk session.
        """
        v = t.phone_verifications
        code = f"{secrets.randbelow(10**6):06d}"
        verification_id = new_id("phv")
        now = self.clock()
        row = {"id": verification_id, "branch_id": branch_id, "kiosk_session_id": session_id,
               "account_id": account_id, "phone_hash": sha256(phone), "phone_masked": mask_mobile(phone),
               "code_hash": _code_hash(verification_id, code), "status": "sent", "attempts_left": ATTEMPTS,
               "expires_at": now.timestamp() + CODE_TTL_S, "created_at": iso(now)}
        with self.db.tx() as conn:
            sent = conn.execute(select(func.count()).select_from(v).where(v.c.kiosk_session_id == session_id))
            if sent.scalar_one() >= CODES_PER_SESSION:
                raise VerificationRefused("too-many-codes", "no more codes for this session")
            conn.execute(update(v).where(and_(v.c.kiosk_session_id == session_id, v.c.status == "sent"))
                         .values(status="retired"))
            conn.execute(v.insert().values(**row))
        return Issued(_answer(row), code)

    def confirm(self, branch_id: str, verification_id: str, code: str) -> dict[str, Any]:
        """The confirmed verification. Raises VerificationRefused (not-found, code-expired, too-many-attempts,
        wrong-code); a wrong code uses up one attempt, which stays used whatever the caller does next."""
        v = t.phone_verifications
        with self.db.tx() as conn:  # a wrong code's used attempt commits even though the call then raises
            row = conn.execute(select(v).where(and_(v.c.id == verification_id, v.c.branch_id == branch_id))
                               .with_for_update()).mappings().first()
            refusal = self._refusal(row, code)
            if refusal is None and row["status"] != "confirmed":
                confirmed = {"status": "confirmed", "confirmed_at": iso(self.clock())}
                conn.execute(update(v).where(v.c.id == verification_id).values(**confirmed))
                row = {**row, **confirmed}
            elif refusal is not None and refusal.slug in ("wrong-code", "too-many-attempts") and row["attempts_left"]:
                conn.execute(update(v).where(v.c.id == verification_id).values(attempts_left=row["attempts_left"] - 1))
        if refusal is not None:
            raise refusal
        return _answer(row)

    def _refusal(self, row: Any, code: str) -> VerificationRefused | None:
        """Why `code` cannot confirm the verification `row`, or None if it does (or already did)."""
        if row is None:
            return VerificationRefused("not-found", "no such phone verification in this branch", 404)
        if row["status"] == "confirmed":
            return None
        if row["status"] == "retired" or self.clock().timestamp() > row["expires_at"]:
            return VerificationRefused("code-expired", "this code has expired; send a new one")
        if row["attempts_left"] <= 0:
            return VerificationRefused("too-many-attempts", "too many wrong codes; send a new one")
        if hmac.compare_digest(row["code_hash"], _code_hash(row["id"], code)):
            return None
        left = row["attempts_left"] - 1
        return VerificationRefused("wrong-code" if left else "too-many-attempts",
                                   f"the code does not match; {left} attempts left")

    def require_confirmed(self, branch_id: str, verification_id: str, account_id: str) -> None:
        """Raises VerificationRefused('phone-not-verified') unless the code was confirmed for this account."""
        v = t.phone_verifications
        with self.db.read() as conn:
            row = conn.execute(select(v.c.status, v.c.account_id).where(
                and_(v.c.id == verification_id, v.c.branch_id == branch_id))).first()
        if row is None or row.status != "confirmed" or row.account_id != account_id:
            raise VerificationRefused("phone-not-verified", "the mobile number was not confirmed for this account")


def _answer(row: Any) -> dict[str, Any]:
    return {"phone_verification_id": row["id"], "status": row["status"], "phone_masked": row["phone_masked"],
            "expires_at": iso(datetime.fromtimestamp(row["expires_at"]).astimezone()),
            "attempts_left": row["attempts_left"]}
