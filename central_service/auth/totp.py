"""The second factor: RFC 6238 time-based one-time codes (pyotp), as any authenticator app makes them."""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime

import pyotp

ISSUER = "Branch kiosk"


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, login: str) -> str:
    """The otpauth:// link an authenticator app scans (shown once, when the account is made)."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def code_now(secret: str, at: float | None = None) -> str:
    """The current code (seeding, tests and the demo's sign-in helper)."""
    return pyotp.TOTP(secret).at(at if at is not None else time.time())


def code_valid(secret: str, code: str, at: float | None = None) -> bool:
    """True if `code` is the code of now or of the 30 s step just before or after (clock drift)."""
    return code_step(secret, code, at) is not None


def code_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The 30 s time step whose code `code` is (now, or one step either side for clock drift), else None.

    The step lets sign-in refuse a code that was used before (`Lockout.used_step`).
    """
    code = code.strip()
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = at if at is not None else time.time()
    for step in (totp.timecode(datetime.fromtimestamp(now + d * totp.interval, UTC)) for d in (0, -1, 1)):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
