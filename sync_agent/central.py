"""CentralRemote: the agent's seam (`sync_agent.remote`) implemented with `central_api_client`.

Appointments become `FeedRow`s whose payload is the contract JSON in canonical form; a cancelled or redeemed
one keeps no personal data (it can never be used at a kiosk again) even when it arrives as an upsert. Outbox
events become contract `Event`s; one that cannot be (bad key, float in its payload) is refused here for good,
without a round trip.
"""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from central_api_client import errors
from central_api_client import models as m
from central_api_client.checksum import canonical_json
from central_api_client.client import CentralClient
from central_api_client.snapshot_stream import SnapshotStream
from sync_agent.apply import FeedRow, Tombstone
from sync_agent.outbox import OutboxEvent
from sync_agent.prefetch import Prefetched
from sync_agent.remote import BranchState, EventOutcome, FeedPage, SnapshotChunk, SnapshotPage, translate
from sync_agent.staff_credentials import StaffCredential


def feed_row(appointment: m.Appointment) -> FeedRow:
    """The table row for one appointment (payload is the whole appointment, canonical JSON).

    The model was validated (no floats can be in it), so the canonical form is a plain sorted dump.
    """
    data = appointment.to_json()
    # Only a booked appointment can still be used here: a cancelled or redeemed one keeps no personal data.
    payload = "{}" if appointment.status in ("cancelled", "redeemed") else json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return FeedRow(appointment.id, appointment.branch_id, appointment.kind, appointment.status,
                   appointment.version, data["updated_at"], payload)


def _z(moment: datetime) -> str:
    """The contract's JSON form of a UTC time (as the models dump it)."""
    return moment.isoformat().replace("+00:00", "Z")


def _event(event: OutboxEvent) -> m.Event:
    canonical_json(event.payload)  # TypeError for a float: the contract cannot carry it
    return m.Event(idempotency_key=event.idempotency_key, stream=event.stream, kind=event.kind,
                   occurred_at=datetime.fromisoformat(event.created_at), payload=event.payload)


def _outcome(result: m.EventResult) -> EventOutcome:
    if result.status == "applied":
        return EventOutcome(result.idempotency_key, True, bool(result.replayed), result.to_json())
    problem = result.problem
    text = f"{problem.status} {problem.type.removeprefix(errors.PROBLEM_BASE)}: {problem.detail or problem.title}" \
        if problem else "rejected"
    return EventOutcome(result.idempotency_key, False, problem=text)


def snapshot_row(appointment: dict[str, Any], line: bytes) -> FeedRow:
    """The table row of a streamed appointment (validated): its line is the canonical JSON the feed would carry."""
    status = appointment["status"]
    payload = "{}" if status in ("cancelled", "redeemed") else line.decode("utf-8")
    return FeedRow(appointment["id"], appointment["branch_id"], appointment["kind"], status,
                   appointment["version"], _z(appointment["updated_at"].astimezone(UTC)), payload)


class StreamedSnapshot:
    """The agent's view of a SnapshotStream: verified blocks as FeedRows, read ahead of their application in a
    thread (see prefetch.py); client errors translated."""

    def __init__(self, stream: SnapshotStream) -> None:
        self.stream, self.cursor, self.server_time = stream, stream.cursor, stream.server_time
        self._reader: Prefetched[SnapshotChunk] | None = None
        self._may_run = threading.Event()
        self._may_run.set()
        stream.pace = self._pace

    def _pace(self) -> None:
        self._may_run.wait(5.0)  # bounded: a consumer that died never leaves the reader stuck

    @contextlib.contextmanager
    def quiet(self) -> Iterator[None]:
        """Pause the reader's CPU work while the caller writes: validation holds the GIL for milliseconds,
        and a write transaction that waits for it keeps the kiosk app's writes waiting too."""
        self._may_run.clear()
        try:
            yield
        finally:
            self._may_run.set()

    def _converted(self) -> Iterator[SnapshotChunk]:
        try:
            for block in self.stream.blocks():
                rows = [snapshot_row(a, line) for a, line in zip(block.appointments, block.lines, strict=True)]
                yield SnapshotChunk(rows, block.resume_token, block.last)
        except errors.CentralError as exc:
            raise translate(exc) from exc

    def chunks(self) -> Iterator[SnapshotChunk]:
        """Verified chunks in order. Raises RemoteError (Offline when cut short, PageDamaged when damaged)."""
        self._reader = Prefetched(self._converted(), depth=2, name="snapshot-reader")
        return iter(self._reader)

    def close(self) -> None:
        """Cut the answer short and let the reader thread go."""
        self.stream.close()
        if self._reader is not None:
            self._reader.close()


class CentralRemote:
    """Feed, push, heartbeat and lookup for one kiosk, over one CentralClient."""

    def __init__(self, client: CentralClient) -> None:
        self.client = client

    def changes(self, branch_id: str, cursor: str | None, *, limit: int, wait: int) -> FeedPage:
        try:
            page = self.client.changes(branch_id, cursor, limit=limit, wait=wait)
        except errors.CentralError as exc:
            raise translate(exc) from exc
        rows = [feed_row(c.appointment) for c in page.changes if isinstance(c, m.UpsertChange)]
        dead = [Tombstone(c.appointment_id, c.version, _z(c.updated_at))
                for c in page.changes if isinstance(c, m.TombstoneChange)]
        bs = page.branch_state
        return FeedPage(rows, dead, page.cursor, page.has_more, page.server_time,
                        BranchState(bs.count, bs.digest) if bs else None)

    def snapshot(self, branch_id: str, page_token: str | None, *, limit: int) -> SnapshotPage:
        try:
            page = self.client.snapshot(branch_id, page_token, limit=limit)
        except errors.CentralError as exc:
            raise translate(exc) from exc
        return SnapshotPage([feed_row(a) for a in page.appointments], page.cursor, page.next_page_token,
                            page.server_time)

    def snapshot_stream(self, branch_id: str, resume_token: str | None, *, block: int) -> StreamedSnapshot:
        """Open the branch's streamed snapshot (resumed after `resume_token`). Raises RemoteError."""
        try:
            return StreamedSnapshot(self.client.snapshot_stream(branch_id, resume_token, block=block))
        except errors.CentralError as exc:
            raise translate(exc) from exc

    def push_events(self, events: Sequence[OutboxEvent]) -> list[EventOutcome]:
        """Send the events that can be sent; the ones that cannot are refused locally, in place."""
        local: dict[str, EventOutcome] = {}
        sendable: list[m.Event] = []
        for event in events:
            try:
                sendable.append(_event(event))
            except (ValidationError, TypeError, ValueError) as exc:
                local[event.idempotency_key] = EventOutcome(event.idempotency_key, False,
                                                            problem=f"not sendable: {type(exc).__name__}")
        answers: dict[str, EventOutcome] = {}
        if sendable:
            try:
                result = self.client.push_events(sendable)
            except errors.CentralError as exc:
                raise translate(exc) from exc
            answers = {r.idempotency_key: _outcome(r) for r in result.results}
        return [local.get(e.idempotency_key) or answers[e.idempotency_key] for e in events]

    def heartbeat(self, body: dict[str, Any]) -> datetime:
        try:
            ack = self.client.heartbeat(m.Heartbeat.model_validate(body), idempotency_key=str(uuid.uuid4()))
        except errors.CentralError as exc:
            raise translate(exc) from exc
        return ack.server_time

    def staff_credentials(self, branch_id: str) -> tuple[int, list[StaffCredential]]:
        """The branch's lobby managers' PIN hashes and revocations. Raises RemoteError."""
        try:
            found = self.client.staff_credentials(branch_id)
        except errors.CentralError as exc:
            raise translate(exc) from exc
        return found.version, [StaffCredential(c.staff_id, c.pin_hash, c.revoked) for c in found.credentials]

    def lookup(self, token: str, id_number: str | None = None) -> FeedRow:
        try:
            return feed_row(self.client.lookup(token, id_number=id_number, idempotency_key=str(uuid.uuid4())))
        except errors.CentralError as exc:
            raise translate(exc) from exc
