"""Exponential backoff with jitter: many kiosks coming back after an outage must not retry in step."""

from __future__ import annotations

import random


class Backoff:
    """The delay before the next retry: base·2^n capped, half of it fixed and half random ("equal jitter")."""

    def __init__(self, base_s: float = 0.5, cap_s: float = 60.0, rng: random.Random | None = None) -> None:
        self.base_s, self.cap_s = base_s, cap_s
        self._rng = rng or random.Random()
        self.failures = 0

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """Count one failure and return how long to wait; a server's Retry-After is a floor."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(self.failures, 30)))
        self.failures += 1
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        return max(delay, retry_after_s or 0.0)

    def reset(self) -> None:
        self.failures = 0
