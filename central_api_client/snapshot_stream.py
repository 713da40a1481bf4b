"""Reading the streamed snapshot (GET /v1/branches/{branch_id}/snapshot/stream): verified blocks, in order.

Why blocks: the answer is one long gzip NDJSON body; the kiosk must apply it while it arrives (100k rows do
not wait in memory) yet never apply a byte the service did not send. Every `checkpoint` line carries the count
and SHA-256 of the appointment lines since the previous one, so a block is yielded only after its checkpoint
verifies, its appointments validated against the contract's models in one strict pydantic call (no floats;
a list is much cheaper than one call per row). Each line is the service's canonical JSON of one appointment
(the contract's form); the kiosk stores it as it came, without serialising it again. A cut connection, a
damaged line or a missing final checkpoint raises; what was yielded before stays good and the stream resumes
from the last block's `resume_token`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import SchemaValidator

from central_api_client import errors
from central_api_client import models as m
from central_api_client.checksum import loads

__all__ = ["SnapshotBlock", "SnapshotStream"]

CONTROL = b'{"$":'
EXPIRED = b'{"$":"expired"}'
# Lines per pydantic call: one call holds the GIL throughout, so slices keep a thread that applies the previous
# block to SQLite (inside its write transaction) from waiting tens of milliseconds for it.
VALIDATE_SLICE = 100


def _no_pause() -> None:
    return None


def _as_typed_dicts(node: Any) -> Any:
    """The core schema with every model turned into a typed dict: the same checks, plain dicts out.

    Why: building ~12 frozen model instances per appointment is most of the cost of validating one, and a
    snapshot has 100k of them; the kiosk stores the line, so it needs the verdict, not the objects.
    """
    if isinstance(node, list):
        return [_as_typed_dicts(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-after" and node["function"].get("function") is m.to_utc:
        return _as_typed_dicts(node["schema"])  # still an aware datetime; converting its zone is not a check
    if node.get("type") != "model":
        return {key: _as_typed_dicts(value) for key, value in node.items()}
    inner = node["schema"]
    if inner.get("type") != "model-fields":  # pragma: no cover - a pydantic change this module must follow
        raise TypeError(f"unexpected model schema {inner.get('type')!r}")
    fields = {}
    for name, field_schema in inner["fields"].items():
        schema = _as_typed_dicts(field_schema["schema"])
        fields[name] = {"type": "typed-dict-field", "schema": schema, "required": schema.get("type") != "default"}
    typed = {"type": "typed-dict", "fields": fields, "extra_behavior": "ignore"}
    return typed | ({"ref": node["ref"]} if "ref" in node else {})


_APPOINTMENTS = SchemaValidator(_as_typed_dicts(TypeAdapter(list[m.Appointment]).core_schema))


@dataclass(frozen=True)
class SnapshotBlock:
    """One verified block: the appointments (validated, as plain dicts), their lines, and where to resume."""

    appointments: list[dict[str, Any]] = field(repr=False)
    lines: list[bytes] = field(repr=False)
    resume_token: str
    last: bool
    total: int | None = None


class SnapshotStream:
    """An open snapshot answer: `cursor` and `server_time` from its first line, then `blocks()`.

    Raises ProtocolError (damaged or not of the contract) or Unavailable (cut short) while iterating.
    """

    def __init__(self, lines: Iterator[bytes], close: object = None) -> None:
        self._lines = lines
        self._close = close
        self.pace: Callable[[], None] = _no_pause  # called before each slice of validation; may block
        start = self._control(next(lines, b""), "start")
        if not isinstance(start.get("cursor"), str):
            raise errors.ProtocolError("snapshot stream: the start line has no cursor")
        self.cursor: str = start["cursor"]
        try:
            self.server_time: datetime = datetime.fromisoformat(str(start.get("server_time")).replace("Z", "+00:00"))
        except ValueError:
            raise errors.ProtocolError("snapshot stream: the start line has no server_time") from None

    @staticmethod
    def _control(line: bytes, kind: str) -> dict:
        if not line.startswith(CONTROL):
            raise errors.ProtocolError(f"snapshot stream: expected a {kind} line")
        try:
            value = loads(line)
        except ValueError:
            raise errors.ProtocolError(f"snapshot stream: the {kind} line is not JSON of the contract") from None
        if not isinstance(value, dict) or value.get("$") != kind:
            raise errors.ProtocolError(f"snapshot stream: expected a {kind} line")
        return value

    def blocks(self) -> Iterator[SnapshotBlock]:
        """Verified blocks until the last one.

        Raises ProtocolError, Unavailable (the answer stopped early), CursorTooOld (the snapshot expired).
        """
        lines: list[bytes] = []
        digest = hashlib.sha256()
        for line in self._lines:
            if not line.startswith(CONTROL):
                lines.append(line)
                digest.update(line)
                digest.update(b"\n")
                continue
            if line == EXPIRED:
                raise errors.CursorTooOld("the snapshot expired while it was read (tombstones purged): resync",
                                          status=410)
            block = self._verify(self._control(line, "checkpoint"), lines, digest.hexdigest(), self.pace)
            yield block
            if block.last:
                return
            lines, digest = [], hashlib.sha256()
        raise errors.Unavailable("snapshot stream cut short before its last checkpoint")

    @staticmethod
    def _verify(mark: dict, lines: list[bytes], digest: str, pace: Callable[[], None]) -> SnapshotBlock:
        token, last = mark.get("resume_token"), mark.get("last")
        if mark.get("count") != len(lines) or mark.get("digest") != digest:
            raise errors.ProtocolError("snapshot stream: a block's count or digest does not match its lines")
        if not isinstance(token, str) or not isinstance(last, bool):
            raise errors.ProtocolError("snapshot stream: a checkpoint without resume_token or last")
        try:
            appointments = []
            for start in range(0, len(lines), VALIDATE_SLICE):
                pace()
                piece = lines[start:start + VALIDATE_SLICE]
                appointments += _APPOINTMENTS.validate_json(b"[" + b",".join(piece) + b"]", strict=True)
        except ValidationError as exc:
            where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}"
                              for e in exc.errors(include_url=False, include_input=False, include_context=False)[:5])
            raise errors.ProtocolError(f"snapshot stream: appointments break the contract: {where}") from None
        total = mark.get("total") if last else None
        return SnapshotBlock(appointments, lines, token, last, total)

    def close(self) -> None:
        """Release the connection (an abandoned stream is not read to its end)."""
        if callable(self._close):
            self._close()

    def __enter__(self) -> SnapshotStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
