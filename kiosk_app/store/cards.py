"""The issuance journal: each step's journal row, card row and storage counts written as one transaction.

Why one transaction: after a crash the journal, `issued_cards` and `card_storage` must tell the same story,
or `recover()` could count a card twice or lose it. Records hold the masked PAN only. A `hook` is called
before, inside (before COMMIT) and after each write, so a test can kill the process at exactly that point.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sync_agent import journal
from sync_agent.localdb import LocalDb

KIND_PREFIX = "issuance."
StepHook = Callable[[str], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class Location(enum.Enum):
    """Where one card physically is, as the kiosk believes it (written in `issued_cards.location`)."""

    STACK = "stack"
    IC = "ic"
    GATE = "gate"
    CUSTOMER = "customer"
    BIN = "bin"
    STAFF = "staff"  # pulled out by a lobby manager (a jam, a card found loose)
    CHANNEL = "channel"  # somewhere in the transport (jammed, moved by hand): staff must look


FINAL_LOCATIONS = frozenset({Location.STACK, Location.CUSTOMER, Location.BIN, Location.STAFF})


class UnknownSession(ValueError):
    """Cards are issued to a session the journey has already recorded in `kiosk_sessions`."""


@dataclass(frozen=True)
class CardRow:
    """One `issued_cards` row as recovery sees it."""

    card_id: int
    session_id: str | None
    pan_masked: str | None
    location: Location
    state: str
    bind_key: str | None


class CardBook:
    """Writes and reads the issuance state of cards in the local database."""

    def __init__(self, db: LocalDb, *, hook: StepHook | None = None) -> None:
        self.db = db
        self._hook = hook or (lambda _point: None)

    def open_card(self, session_id: str, record: dict[str, Any]) -> int:
        """Create the card row (still in the stack) and journal the dispense intent; return the card id.

        Raises UnknownSession if the session row does not exist.
        """
        kind = KIND_PREFIX + "dispense.intent"
        self._hook("pre:" + kind)
        with self.db.transaction() as d:
            if d.execute("SELECT 1 FROM kiosk_sessions WHERE id = ?", (session_id,)).fetchone() is None:
                raise UnknownSession(f"session {session_id} is not recorded")
            now = _now()
            card_id = d.execute(
                "INSERT INTO issued_cards (session_id, location, state, created_at, updated_at) "
                "VALUES (?, 'stack', 'dispense.intent', ?, ?)",
                (session_id, now, now),
            ).lastrowid
            body = {"card_id": card_id, "location": Location.STACK.value, "state": "dispense.intent", **record}
            journal.append(self.db, kind, body, session_id=session_id, at=now)
            self._hook("in:" + kind)
        self._hook("post:" + kind)
        return int(card_id)

    def step(
        self,
        card_id: int,
        state: str,
        location: Location,
        record: dict[str, Any] | None = None,
        *,
        stack_delta: int = 0,
        bin_delta: int = 0,
        **columns: str | None,
    ) -> None:
        """Move the card row to `state`/`location`, adjust counts and journal it, all or nothing.

        `columns` may set `pan_masked` or `bind_key`. Raises ValueError if the card row is missing.
        """
        kind = KIND_PREFIX + state
        self._hook("pre:" + kind)
        with self.db.transaction() as d:
            session_id = self._session_of(card_id)
            now = _now()
            sets = ", ".join(f"{name} = ?" for name in columns)
            params = [location.value, state, now, *columns.values(), card_id]
            d.execute(
                f"UPDATE issued_cards SET location = ?, state = ?, updated_at = ?{', ' + sets if sets else ''} "
                "WHERE id = ?",
                params,
            )
            self._adjust("stack", stack_delta, now)
            self._adjust("bin", bin_delta, now)
            body = {"card_id": card_id, "location": location.value, "state": state, **(record or {})}
            body.update({k: v for k, v in columns.items() if k == "pan_masked"})
            if stack_delta or bin_delta:
                body["storage"] = self.storage()
            journal.append(self.db, kind, body, session_id=session_id, at=now)
            self._hook("in:" + kind)
        self._hook("post:" + kind)

    def note(self, kind: str, record: dict[str, Any], *, session_id: str | None = None) -> None:
        """A journal row that changes no card (recovery's findings, stock corrections)."""
        with self.db.transaction():
            journal.append(self.db, KIND_PREFIX + kind, record, session_id=session_id)

    def _session_of(self, card_id: int) -> str | None:
        row = self.db.conn.execute("SELECT session_id FROM issued_cards WHERE id = ?", (card_id,)).fetchone()
        if row is None:
            raise ValueError(f"card {card_id} has no row")
        return row[0]

    def _adjust(self, unit: str, delta: int, now: str) -> None:
        if not delta:
            return
        self.db.conn.execute(
            "INSERT INTO card_storage (unit, count, updated_at) VALUES (?, MAX(?, 0), ?) "
            "ON CONFLICT(unit) DO UPDATE SET count = MAX(count + ?, 0), updated_at = excluded.updated_at",
            (unit, delta, now, delta),
        )

    def set_storage(self, *, stack: int | None = None, bin_count: int | None = None, reason: str,
                    staff_id: str | None = None) -> None:
        """Set the counts after a refill, a bin emptied or a correction from the device; journaled."""
        with self.db.transaction() as d:
            now = _now()
            for unit, value in (("stack", stack), ("bin", bin_count)):
                if value is not None:
                    d.execute(
                        "INSERT INTO card_storage (unit, count, updated_at) VALUES (?, ?, ?) "
                        "ON CONFLICT(unit) DO UPDATE SET count = excluded.count, updated_at = excluded.updated_at",
                        (unit, value, now),
                    )
            journal.append(self.db, KIND_PREFIX + "storage_set",
                           {"reason": reason, "staff_id": staff_id, "storage": self.storage()}, at=now)

    def storage(self) -> dict[str, int]:
        """The kiosk's counts: {"stack": n, "bin": m} (0 for a unit never set)."""
        rows = dict(self.db.conn.execute("SELECT unit, count FROM card_storage").fetchall())
        return {"stack": rows.get("stack", 0), "bin": rows.get("bin", 0)}

    def card(self, card_id: int) -> CardRow:
        """One card row. Raises ValueError if it does not exist."""
        row = self.db.conn.execute(
            "SELECT id, session_id, pan_masked, location, state, bind_key FROM issued_cards WHERE id = ?",
            (card_id,),
        ).fetchone()
        if row is None:
            raise ValueError(f"card {card_id} has no row")
        return CardRow(row[0], row[1], row[2], Location(row[3]), row[4], row[5])

    def open_cards(self) -> list[CardRow]:
        """Cards not yet in a final place (stack, customer, bin), oldest first: what recovery must settle."""
        finals = tuple(loc.value for loc in FINAL_LOCATIONS)
        ids = self.db.conn.execute(
            f"SELECT id FROM issued_cards WHERE location NOT IN ({', '.join('?' * len(finals))}) "
            "OR state LIKE '%.intent' ORDER BY id",
            finals,
        ).fetchall()
        return [self.card(r[0]) for r in ids]

    def last_record(self, card_id: int) -> dict[str, Any]:
        """The newest journal record of this card (its last intent or outcome)."""
        row = self.db.conn.execute(
            "SELECT record FROM journal WHERE kind LIKE 'issuance.%' AND json_extract(record, '$.card_id') = ? "
            "ORDER BY seq DESC LIMIT 1",
            (card_id,),
        ).fetchone()
        return json.loads(row[0]) if row else {}
