"""A device's status line judged for the lobby manager: severity (ok / warning / fault) and one action in plain words.

Why here and not in the view: the same judgement colours the console, and a test can assert it without Kivy.
The input is a `DeviceLine.as_dict()` (the doctor's check): name, ok, state and the device's own details
("stock": "low", "paper": "out", ...). Advice values are catalogue keys (`manager.advice`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OK, WARNING, FAULT = "ok", "warning", "fault"

# (detail, value) -> (severity, advice key), first match wins; a failing device with none of these gets a
# generic action from its state.
DETAIL_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("tamper", "detected", FAULT, "tamper"),
    ("stock", "empty", FAULT, "stock_empty"),
    ("bin", "full", FAULT, "empty_bin"),
    ("paper", "out", FAULT, "add_paper"),
    ("cover", "open", FAULT, "close_cover"),
    ("media", "jammed", FAULT, "clear_jam"),
    ("error", "mediaJam", FAULT, "clear_jam"),
    ("stock", "low", WARNING, "refill_stock"),
    ("bin", "high", WARNING, "bin_high"),
    ("paper", "low", WARNING, "paper_low"),
    ("paper", "nearEnd", WARNING, "paper_low"),
)
OFFLINE_STATES = frozenset({"offline", "powerOff", "noDevice"})


@dataclass(frozen=True)
class DeviceHealth:
    name: str
    state: str
    severity: str
    advice: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "state": self.state, "severity": self.severity, "advice": self.advice}


def judge(line: Mapping[str, Any]) -> DeviceHealth:
    """Severity and advice for one device line (a disabled device is fine: nothing to do)."""
    name, state, ok = str(line["name"]), str(line["state"]), bool(line["ok"])
    details = line.get("details") or {}
    for key, value, severity, advice in DETAIL_RULES:
        if details.get(key) == value:
            return DeviceHealth(name, state, severity, advice)
    if ok:
        return DeviceHealth(name, state, OK, "none")
    return DeviceHealth(name, state, FAULT, "check_link" if state in OFFLINE_STATES else "restart")


def worst(severities: list[str]) -> str:
    """The most severe of several (ok < warning < fault)."""
    order = (OK, WARNING, FAULT)
    return max(severities, key=order.index, default=OK)
