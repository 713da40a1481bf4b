"""Canonical JSON and the checksums of the change feed, shared by the service, the client and the sync agent.

Why: a kiosk must recompute exactly what the service computed, so the byte form is fixed here once. The
model has no floating point numbers, so RFC 8785 (JCS) equals Python's sorted, compact, non-ASCII-preserving
`json.dumps`; see the `description` of openapi.yaml.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["branch_digest", "canonical_json", "fingerprint", "loads", "page_checksum"]


def canonical_json(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value. Raises TypeError if it holds a float or a non-JSON type."""
    _reject_floats(value)
    return _dump(value)


def _dump(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _reject_floats(value: Any) -> None:
    if isinstance(value, float):
        raise TypeError("canonical JSON of the contract has no floating point numbers")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)


def loads(data: bytes | str) -> Any:
    """Parse JSON of the contract. Raises ValueError on bad JSON or on any floating point number."""
    return json.loads(data, parse_float=_no_float)


def _no_float(text: str) -> Any:
    raise ValueError("floating point numbers are not part of the contract")


def page_checksum(items: Sequence[Any]) -> str:
    """Lowercase hex SHA-256 of the canonical JSON of a page's array (`changes` or `appointments`).

    No float walk here (a page is large): pages come from `loads`, which refuses floats already.
    """
    return hashlib.sha256(_dump(list(items))).hexdigest()


def fingerprint(value: Any) -> str:
    """Lowercase hex SHA-256 of a JSON value's canonical form: "the same body" for idempotency keys."""
    return hashlib.sha256(canonical_json(value)).hexdigest()


def branch_digest(pairs: Iterable[tuple[str, int]]) -> str:
    """SHA-256 over the lines "{id}:{version}\\n" of a branch's live appointments, sorted by id (byte order)."""
    digest = hashlib.sha256()
    for appointment_id, version in sorted(pairs, key=lambda pair: pair[0].encode("utf-8")):
        digest.update(f"{appointment_id}:{version}\n".encode())
    return digest.hexdigest()
