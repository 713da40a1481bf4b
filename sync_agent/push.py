"""Push: drain the outbox to the central service, in order, in batches, each event under its own key.

Events go in creation order (so in order within every stream) and carry the idempotency key written with
them, so a batch resent after a crash or a lost answer is applied once. A batch the service refuses as a
whole is split until the event at fault is alone; an event refused for good is quarantined and reported,
and the rest of the queue moves on. Acknowledgements and quarantines of one batch commit together.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sync_agent import outbox, state
from sync_agent.gate import Gate
from sync_agent.localdb import LocalDb
from sync_agent.outbox import OutboxEvent
from sync_agent.remote import EventOutcome, Rejected

log = logging.getLogger(__name__)

BATCH_SIZE = 100


class EventSink(Protocol):
    def push_events(self, events: Sequence[OutboxEvent]) -> list[EventOutcome]: ...


@dataclass(frozen=True)
class PushReport:
    sent: int = 0
    applied: int = 0
    replayed: int = 0
    quarantined: int = 0


class Pusher:
    """Sends one batch per call to `push_once`; the agent's loop adds backoff and the wake-ups."""

    def __init__(self, db: LocalDb, sink: EventSink, *, batch_size: int = BATCH_SIZE, gate: Gate | None = None) -> None:
        self.db, self.sink, self.batch_size = db, sink, batch_size
        self.gate = gate or Gate()

    def push_once(self) -> PushReport:
        """Send the oldest pending batch and record the answers; urgent events (a customer waiting for a lobby
        manager) go first, in a batch of their own, ahead of any backlog.

        Raises remote.Offline (nothing recorded but the attempt) if the service cannot be reached.
        """
        events = outbox.pending(self.db, kinds=outbox.URGENT_KINDS, limit=self.batch_size) or \
            outbox.pending(self.db, limit=self.batch_size)
        if not events:
            return PushReport()
        try:
            outcomes = self._send(events)
        except Exception as exc:
            with self.gate.section():
                outbox.mark_attempt(self.db, [e.id for e in events], f"{type(exc).__name__}: {exc}"[:500])
            raise
        return self._record(outcomes)

    def _send(self, events: Sequence[OutboxEvent]) -> list[EventOutcome]:
        try:
            return self.sink.push_events(events)
        except Rejected as exc:
            if len(events) == 1:
                return [EventOutcome(events[0].idempotency_key, applied=False, problem=str(exc))]
            mid = len(events) // 2
            return self._send(events[:mid]) + self._send(events[mid:])

    def _record(self, outcomes: list[EventOutcome]) -> PushReport:
        acks = {o.idempotency_key: o.answer for o in outcomes if o.applied}
        refused = [o for o in outcomes if not o.applied]
        with self.gate.section(), self.db.transaction():
            outbox.acknowledge(self.db, acks)
            for outcome in refused:
                outbox.quarantine(self.db, outcome.idempotency_key, outcome.problem[:500] or "rejected")
            state.put(self.db, state.LAST_PUSH_OK, state.utc_now_iso())
            state.delete(self.db, state.PUSH_ERROR)
        for outcome in refused:
            log.warning("outbox event quarantined", extra={"idempotency_key": outcome.idempotency_key,
                                                           "problem": outcome.problem[:200]})
        replayed = sum(1 for o in outcomes if o.applied and o.replayed)
        return PushReport(len(outcomes), len(acks), replayed, len(refused))
