"""Password hashes for web sign-in: scrypt with its parameters in the stored text.

Why hashlib.scrypt and not argon2-cffi: scrypt is memory-hard, in the standard library (no new compiled
dependency on the service), and the stored text carries n/r/p, so the cost can be raised later and old hashes
still verify (`needs_rehash`). Argon2id would add a dependency for no gain a bank's audit asks for here.
"""

from __future__ import annotations

import hashlib
import hmac
import os

N, R, P, DKLEN = 2**15, 8, 1, 32
SCHEME = "scrypt"
_MAXMEM = 64 * 1024 * 1024


class PasswordTooWeak(ValueError):
    """The password is shorter than 10 characters."""


def hash_password(password: str, *, n: int = N) -> str:
    """`scrypt$n$r$p$salt$hash` (hex). Raises PasswordTooWeak for fewer than 10 characters."""
    if len(password) < 10:
        raise PasswordTooWeak("a password needs at least 10 characters")
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=R, p=P, dklen=DKLEN, maxmem=_MAXMEM)
    return f"{SCHEME}${n}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches `stored`; False for any malformed stored text."""
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        return False
    try:
        n, r, p, salt = int(parts[1]), int(parts[2]), int(parts[3]), bytes.fromhex(parts[4])
        digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=DKLEN, maxmem=_MAXMEM)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), parts[5])


def needs_rehash(stored: str) -> bool:
    """True if `stored` was made with other parameters than today's."""
    return not stored.startswith(f"{SCHEME}${N}${R}${P}$")


# Verified against when the login is unknown, so an unknown login costs as much time as a known one.
DUMMY_HASH = f"{SCHEME}${N}${R}${P}${'00' * 16}${'00' * DKLEN}"
