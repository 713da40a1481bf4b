"""How a session ended, as a value: its kind ("completed", "refused", "cancelled", "timeout") and, for a
refusal, the reason key ("blocklisted", "card_jam").

Why a value: the sessions table stores the outcome as one text ("refused:card_jam") and the manager's report
counts by that text and by its kind; writing and reading that form in one place keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPLETED = "completed"
REFUSED = "refused"


@dataclass(frozen=True)
class SessionOutcome:
    kind: str
    reason: str | None = None

    @classmethod
    def refused(cls, reason: str) -> SessionOutcome:
        return cls(REFUSED, reason)

    @classmethod
    def parse(cls, stored: str) -> SessionOutcome:
        """The value of a stored outcome text ("refused:card_jam" -> refused, card_jam; "timeout" -> timeout)."""
        kind, _, reason = stored.partition(":")
        return cls(kind, reason or None)

    def stored(self) -> str:
        """The text the sessions table keeps: "kind" or "kind:reason"."""
        return f"{self.kind}:{self.reason}" if self.reason else self.kind
