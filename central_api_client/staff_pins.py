"""Lobby managers' kiosk PINs as stored hashes: one format for the staff directory that makes them and the
kiosk that checks them (`salt$hash`, hex, scrypt).

Why here: the central service (which hashes a PIN when a manager is given one) may not import the kiosk, and the
kiosk must check exactly the hashes the directory sends; both import this one module.
Why scrypt: in the standard library (no new dependency on the kiosk image), memory-hard, and already the format
of the per-kiosk staff files in the field, so those keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import os

SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """`salt$hash` in hex."""
    salt = salt or os.urandom(16)
    return salt.hex() + "$" + hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT).hex()


def pin_matches(pin: str, stored: str) -> bool:
    """True if `pin` hashes to `stored`; False for a malformed stored value (never raises on bad data)."""
    salt_hex, sep, digest_hex = stored.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    if not sep or not salt:
        return False
    digest = hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)
