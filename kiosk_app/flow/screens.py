"""What a step shows: the UI maps `step_id` to a screen and error keys to translated text; it holds no logic."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Screen:
    """One screen description; `data` holds only what this screen must show (masked unless needed in full)."""

    step_id: str
    data: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    actions: tuple[str, ...] = ()
    timeout_s: int | None = None
    staff_message: str | None = None
    progress: tuple[int, int] | None = field(default=None)
    confirm: str | None = None  # "cancel": ask "really cancel?" (yes posts touch "cancel", no posts "keep")

    def with_errors(self, **errors: str) -> Screen:
        return replace(self, errors={**self.errors, **errors})
