"""Appointment QR tokens: the central service signs them, the kiosk verifies them offline.

Why this shape: a QR code must stay small enough for a phone screen and a cheap scanner (version <= 10 at
error-correction level M), so the token is a compact binary record signed with Ed25519 and written in
unpadded upper-case base32 behind a short scheme prefix. Every character then belongs to the QR
alphanumeric set, which packs 5.5 bits per character instead of 8.

Text form: ``BKQ:`` + base32(body || signature), where the signature covers ``BKQ:`` + body and body is

    u8 format version | u8 kind | u32 issued_at | u32 not_after | 16 bytes token id |
    u8 len + key id | u8 len + branch id | u8 len + appointment id      (integers big-endian, ids ASCII)

Every rejection raises a subclass of `TokenError` whose `code` is a stable key for UI texts.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
import secrets
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "FORMAT_VERSION",
    "MAX_TEXT_LENGTH",
    "SCHEME",
    "AlreadyUsed",
    "AppointmentToken",
    "BadSignature",
    "Expired",
    "KeyRing",
    "Malformed",
    "NotYetValid",
    "SigningKey",
    "Token",
    "TokenError",
    "TokenKind",
    "UnknownKey",
    "WrongBranch",
    "generate_keypair",
    "private_key_from_text",
    "private_key_to_text",
    "public_key_from_text",
    "public_key_to_text",
    "sign",
    "verify",
]

SCHEME = "BKQ:"
FORMAT_VERSION = 1
SIGNATURE_LENGTH = 64
TOKEN_ID_LENGTH = 16
DEFAULT_SKEW = timedelta(minutes=2)

_HEAD = struct.Struct(">BBII16s")  # version, kind, issued_at, not_after, token id
_ID_LIMITS = {"key_id": 16, "branch_id": 16, "appointment_id": 40}
_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]+")
_B32_VALUE = {char: value for value, char in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}
_MAX_BODY = _HEAD.size + sum(1 + n for n in _ID_LIMITS.values())
MAX_TEXT_LENGTH = len(SCHEME) + -(-(_MAX_BODY + SIGNATURE_LENGTH) * 8 // 5)
"""Longest possible token text (268 chars): fits QR version 10-M in alphanumeric mode (311)."""


class TokenError(Exception):
    """The code is not a valid appointment token."""

    code = "token_invalid"

    def __init__(self, message: str = "", *, token: AppointmentToken | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())
        self.token = token  # set once the signature is known good, so the flow can name the appointment


class Malformed(TokenError):
    """The code is not one of our tokens, or its encoding is damaged."""

    code = "token_malformed"


class BadSignature(TokenError):
    """The token's signature does not match its contents."""

    code = "token_bad_signature"


class UnknownKey(TokenError):
    """The token is signed with a key this kiosk does not hold."""

    code = "token_unknown_key"


class Expired(TokenError):
    """The token's validity has ended."""

    code = "token_expired"


class NotYetValid(TokenError):
    """The token's validity has not started yet."""

    code = "token_not_yet_valid"


class WrongBranch(TokenError):
    """The token belongs to another branch."""

    code = "token_wrong_branch"


class AlreadyUsed(TokenError):
    """The token has been used before (one-time use)."""

    code = "token_already_used"


class TokenKind(enum.IntEnum):
    """What the code opens: one booked appointment, the walk-in form, or a payroll-batch enrolment."""

    INDIVIDUAL = 1
    WALK_IN_FORM = 2
    PAYROLL_BATCH = 3


@dataclass(frozen=True)
class AppointmentToken:
    """The verified contents of a token; `token_id` (hex) is the one-time-use key."""

    key_id: str
    appointment_id: str
    branch_id: str
    kind: TokenKind
    issued_at: datetime
    not_after: datetime
    token_id: str
    version: int = FORMAT_VERSION


Token = AppointmentToken


@dataclass(frozen=True)
class SigningKey:
    """A private key and the id kiosks know its public half by (central side only)."""

    key_id: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls, key_id: str) -> SigningKey:
        """A fresh random key. Raises ValueError if `key_id` is not a valid id."""
        _check_id("key_id", key_id)
        return cls(key_id, Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


class KeyRing:
    """The public keys a kiosk accepts, by key id; several are valid at once during a rotation."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for key_id, key in (keys or {}).items():
            self.add(key_id, key)

    @classmethod
    def from_texts(cls, texts: Mapping[str, str]) -> KeyRing:
        """Build from provisioned `{key_id: public key text}`. Raises ValueError on a bad key or id."""
        return cls({key_id: public_key_from_text(text) for key_id, text in texts.items()})

    def add(self, key_id: str, key: Ed25519PublicKey) -> None:
        """Accept tokens signed by `key` under `key_id`. Raises ValueError if the id is invalid."""
        _check_id("key_id", key_id)
        self._keys[key_id] = key

    def remove(self, key_id: str) -> None:
        """Stop accepting a retired key (no error if it is absent)."""
        self._keys.pop(key_id, None)

    def get(self, key_id: str) -> Ed25519PublicKey:
        """The key for `key_id`. Raises UnknownKey if the ring does not hold it."""
        try:
            return self._keys[key_id]
        except KeyError:
            raise UnknownKey(f"no public key with id {key_id!r}") from None

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._keys))

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeyRing({sorted(self._keys)})"


# --- keys as text (provisioning) ---------------------------------------------------------------------------


def generate_keypair() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    """A new Ed25519 key pair for the central service's signer."""
    private = Ed25519PrivateKey.generate()
    return private, private.public_key()


def public_key_to_text(key: Ed25519PublicKey) -> str:
    """Base64 of the 32 raw key bytes: one line that fits a TOML config value."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """Parse base64 raw bytes or a PEM SubjectPublicKeyInfo. Raises ValueError if it is not an Ed25519 key."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("PEM key is not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(_b64_32(text))


def private_key_to_text(key: Ed25519PrivateKey) -> str:
    """Base64 of the 32-byte private seed (central side; keep it out of logs)."""
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """Parse base64 raw seed or unencrypted PKCS#8 PEM. Raises ValueError if it is not an Ed25519 key."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("PEM key is not an Ed25519 private key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_b64_32(text))


def _b64_32(text: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"key text is not base64: {exc}") from None
    if len(raw) != 32:
        raise ValueError(f"key must be 32 bytes, got {len(raw)}")
    return raw


# --- signing (central side) --------------------------------------------------------------------------------


def sign(
    key: SigningKey,
    *,
    appointment_id: str,
    branch_id: str,
    kind: TokenKind,
    issued_at: datetime,
    not_after: datetime,
    token_id: bytes | None = None,
) -> str:
    """Make the QR text of a token; times are truncated to whole seconds, `token_id` is random by default.

    Raises ValueError if an id is empty, too long or not ``[A-Za-z0-9._:-]``, a time is naive or outside
    1970..2106, `not_after` precedes `issued_at`, or `token_id` is not 16 bytes.
    """
    token_id = secrets.token_bytes(TOKEN_ID_LENGTH) if token_id is None else token_id
    if len(token_id) != TOKEN_ID_LENGTH:
        raise ValueError(f"token_id must be {TOKEN_ID_LENGTH} bytes")
    start, end = _epoch(issued_at, "issued_at"), _epoch(not_after, "not_after")
    if end < start:
        raise ValueError("not_after precedes issued_at")
    body = _HEAD.pack(FORMAT_VERSION, TokenKind(kind), start, end, token_id) + b"".join(
        _field(name, value)
        for name, value in (("key_id", key.key_id), ("branch_id", branch_id), ("appointment_id", appointment_id))
    )
    signature = key.private_key.sign(SCHEME.encode("ascii") + body)
    return SCHEME + base64.b32encode(body + signature).decode("ascii").rstrip("=")


def _epoch(moment: datetime, name: str) -> int:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")
    seconds = int(moment.timestamp())
    if not 0 <= seconds <= 0xFFFFFFFF:
        raise ValueError(f"{name} is outside 1970..2106")
    return seconds


def _check_id(name: str, value: str) -> None:
    if not (isinstance(value, str) and _ID_PATTERN.fullmatch(value) and len(value) <= _ID_LIMITS[name]):
        raise ValueError(f"{name} must be 1..{_ID_LIMITS[name]} characters of [A-Za-z0-9._:-]")


def _field(name: str, value: str) -> bytes:
    _check_id(name, value)
    raw = value.encode("ascii")
    return bytes([len(raw)]) + raw


# --- verification (kiosk side) -----------------------------------------------------------------------------


def verify(
    text: str,
    keys: KeyRing,
    *,
    branch_id: str,
    now: datetime,
    consume: Callable[[AppointmentToken], bool] | None,
    skew: timedelta = DEFAULT_SKEW,
) -> AppointmentToken:
    """Check a scanned text and spend it; the order keeps a token unspent unless every other check passed.

    `consume(token)` records the token id as used and returns False if it was used before; pass None only
    to inspect a token without spending it. `skew` widens the validity window at both ends.
    Raises Malformed, UnknownKey, BadSignature, NotYetValid, Expired, WrongBranch or AlreadyUsed (all
    TokenError); errors after the signature check carry the authentic `token`.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    body, signature = _unwrap(text)
    token = _parse(body)
    try:
        keys.get(token.key_id).verify(signature, SCHEME.encode("ascii") + body)
    except InvalidSignature:
        raise BadSignature() from None
    _check_window(token, now, skew)
    if token.branch_id != branch_id:
        raise WrongBranch(f"token is for branch {token.branch_id!r}", token=token)
    if consume is not None and not consume(token):
        raise AlreadyUsed(token=token)
    return token


def _check_window(token: AppointmentToken, now: datetime, skew: timedelta) -> None:
    if now + skew < token.issued_at:
        raise NotYetValid(f"valid from {token.issued_at.isoformat()}", token=token)
    if now - skew > token.not_after:
        raise Expired(f"expired at {token.not_after.isoformat()}", token=token)


def _unwrap(text: str) -> tuple[bytes, bytes]:
    """Split the text into signed body and signature. Raises Malformed if it is not canonical base32 of ours."""
    if not isinstance(text, str):
        raise Malformed("token text must be str")
    text = text.strip()
    if not text.startswith(SCHEME) or len(text) > MAX_TEXT_LENGTH:
        raise Malformed()
    encoded = text[len(SCHEME) :]
    if "=" in encoded:
        raise Malformed("token must not carry base32 padding")
    try:
        raw = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
    except (binascii.Error, ValueError):
        raise Malformed("token is not base32") from None
    unused_bits = len(encoded) * 5 - len(raw) * 8
    if unused_bits and _B32_VALUE[encoded[-1]] & ((1 << unused_bits) - 1):
        raise Malformed("token is not canonical base32")  # no second spelling of the same bytes
    if len(raw) < _HEAD.size + 3 + SIGNATURE_LENGTH:
        raise Malformed("token is truncated")
    return raw[:-SIGNATURE_LENGTH], raw[-SIGNATURE_LENGTH:]


def _parse(body: bytes) -> AppointmentToken:
    """Decode the signed body. Raises Malformed on an unknown version or kind, or bad lengths."""
    version, kind, start, end, token_id = _HEAD.unpack_from(body)
    if version != FORMAT_VERSION:
        raise Malformed(f"unsupported token format version {version}")
    if kind not in TokenKind._value2member_map_ or end < start:
        raise Malformed("token fields are out of range")
    ids, offset = [], _HEAD.size
    for name in ("key_id", "branch_id", "appointment_id"):
        value, offset = _read_id(body, offset, name)
        ids.append(value)
    if offset != len(body):
        raise Malformed("token has trailing bytes")
    return AppointmentToken(
        key_id=ids[0],
        appointment_id=ids[2],
        branch_id=ids[1],
        kind=TokenKind(kind),
        issued_at=datetime.fromtimestamp(start, UTC),
        not_after=datetime.fromtimestamp(end, UTC),
        token_id=token_id.hex(),
    )


def _read_id(body: bytes, offset: int, name: str) -> tuple[str, int]:
    if offset >= len(body):
        raise Malformed("token is truncated")
    length = body[offset]
    raw = body[offset + 1 : offset + 1 + length]
    if not 1 <= length <= _ID_LIMITS[name] or len(raw) != length:
        raise Malformed(f"token {name} has a bad length")
    value = raw.decode("ascii", errors="replace")
    if not _ID_PATTERN.fullmatch(value):
        raise Malformed(f"token {name} has bad characters")
    return value, offset + 1 + length
