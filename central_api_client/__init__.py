"""Typed client of the central appointment service, its contract (openapi.yaml) and the QR token format.

Imports nothing of the kiosk: the flow and the sync agent depend on it, never the other way round.
"""

from central_api_client.client import CentralClient, new_key
from central_api_client.errors import (
    CentralError,
    Conflict,
    CursorTooOld,
    Forbidden,
    Gone,
    IdempotencyKeyReused,
    NotFound,
    ProtocolError,
    Rejected,
    Unauthorized,
    Unavailable,
)
from central_api_client.transport import RetryPolicy

__all__ = [
    "CentralClient",
    "CentralError",
    "Conflict",
    "CursorTooOld",
    "Forbidden",
    "Gone",
    "IdempotencyKeyReused",
    "NotFound",
    "ProtocolError",
    "Rejected",
    "RetryPolicy",
    "Unauthorized",
    "Unavailable",
    "new_key",
]
