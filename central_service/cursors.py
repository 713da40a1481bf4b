"""Opaque feed cursors and snapshot page tokens: base64url JSON with an HMAC, checked for branch, store and
purge horizon.

Fields: b branch, s the branch's feed position, e the store's epoch, k kind ("cursor" or "snapshot"), a the
snapshot's last id, p the branch's purge horizon the chain already accounts for. A cursor below the horizon
is 410 "resync" unless its chain began after that purge (p equals the horizon): a feed read from the start
after a purge works on every page, and a purge of one branch never touches another branch's cursors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from central_service.problems import ApiError, dumps

_INVALID = "the cursor was not issued by this service"


def encode_cursor(secret: bytes, payload: dict[str, Any]) -> str:
    raw = base64.urlsafe_b64encode(dumps(payload).encode()).decode().rstrip("=")
    mac = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{raw}.{mac}"


def decode_cursor(secret: bytes, text: str) -> dict[str, Any]:
    """The cursor's fields. Raises ApiError 400 if it was not made by this service (any text is safe here)."""
    raw, _, mac = text.partition(".")
    if not text.isascii():
        raise ApiError(400, "invalid-cursor", _INVALID)
    good = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(mac.encode(), good.encode()):
        raise ApiError(400, "invalid-cursor", _INVALID)
    try:
        fields = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid-cursor", _INVALID) from None
    if not isinstance(fields, dict) or type(fields.get("s")) is not int:
        raise ApiError(400, "invalid-cursor", _INVALID)
    return fields


def check_position(fields: dict[str, Any], *, kind: str, branch_id: str, epoch: str, horizon: int) -> dict[str, Any]:
    """The decoded fields, checked; returns them with the horizon they now account for.

    Raises ApiError 400 (wrong kind), 403 (another branch's), 410 (another store, or before a purge).
    """
    if fields.get("k") != kind:
        raise ApiError(400, "invalid-cursor", f"not a {kind}")
    if fields.get("b") != branch_id:
        raise ApiError(403, "wrong-branch", "the cursor belongs to another branch")
    if fields.get("e") != epoch or (fields["s"] < horizon and fields.get("p") != horizon):
        raise ApiError(410, "cursor-too-old", "the feed no longer reaches back to this cursor: resync")
    return {**fields, "p": horizon}
