"""The branch's local day: one clock and one time zone for every daily count (card limit, today's sessions).

Why one definition: a count by UTC midnight resets at 08:00 in a UTC+8 branch, so a customer could take a
second day's cards before lunch. Timestamps stay UTC ISO strings in the database; a local day becomes the
pair of UTC instants that bound it, which compare as text with the stored values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BranchDay:
    """`now()` (aware, injected for tests) seen in the branch's `zone`."""

    zone: ZoneInfo
    now: Callable[[], datetime] = field(default=utc_now)

    @classmethod
    def named(cls, zone: str, now: Callable[[], datetime] = utc_now) -> BranchDay:
        """Raises ZoneInfoNotFoundError for an unknown zone name (the config validates it first)."""
        return cls(ZoneInfo(zone), now)

    def today(self) -> date:
        """The branch's calendar date now."""
        return self.now().astimezone(self.zone).date()

    def bounds(self, day: date | None = None) -> tuple[str, str]:
        """The local `day` (default today) as [start, end) UTC ISO strings in the database's format."""
        day = day or self.today()
        start = datetime.combine(day, time.min, self.zone)
        end = datetime.combine(day + timedelta(days=1), time.min, self.zone)
        return (start.astimezone(UTC).isoformat(timespec="milliseconds"),
                end.astimezone(UTC).isoformat(timespec="milliseconds"))
