"""The branches customers can book (branches.toml): names, addresses, hours, slots and places per slot.

Why a data file: the branch list is the bank's (white label) and changes with its network, not with the code;
the calendar (which days and slots are offered) is computed from it in the branch's time zone.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_FILE = Path(__file__).resolve().parent / "branches.toml"


@dataclass(frozen=True)
class Branch:
    branch_id: str
    name: dict[str, str]
    address: dict[str, str]
    hours: dict[str, str]
    weekdays: tuple[int, ...]
    slots: tuple[str, ...]
    capacity: int


@dataclass(frozen=True)
class Network:
    """All bookable branches and the calendar rules."""

    branches: dict[str, Branch]
    zone: ZoneInfo
    days_ahead: int

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> Network:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        branches = {b["id"]: Branch(b["id"], b["name"], b["address"], b["hours"], tuple(b["weekdays"]),
                                    tuple(b["slots"]), int(b["capacity"])) for b in data["branch"]}
        return cls(branches, ZoneInfo(data["time_zone"]), int(data["days_ahead"]))

    def days(self, branch: Branch, now: datetime) -> list[date]:
        """The days the branch can be booked, from today (local) on, open days only."""
        today = now.astimezone(self.zone).date()
        found = [today + timedelta(days=i) for i in range(self.days_ahead + 1)]
        return [d for d in found if d.weekday() in branch.weekdays]

    def starts_at(self, day: date, slot: str) -> datetime:
        """The slot's start as an aware datetime in the branch's zone."""
        hour, minute = (int(x) for x in slot.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone)

    def bookable(self, branch: Branch, day: date, slot: str, now: datetime) -> bool:
        """True if `slot` on `day` is one the branch offers and still in the future."""
        return (slot in branch.slots and day in self.days(branch, now)
                and self.starts_at(day, slot) > now.astimezone(self.zone))
