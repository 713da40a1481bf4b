"""When Python's cyclic garbage collector runs: right after a new screen is on the glass, not in the middle of
building the next one.

Why: a Kivy widget tree is a web of cycles (parent <-> children, properties' observers, bound callbacks), so a
screen the customer has left is freed only by the cyclic collector, never by reference counting. Left to its
own thresholds, the collector's full (generation 2) pass fired every few screen switches and freed the trees of
all of them at once — profiled at 300-1000 ms inside one switch on a loaded 2-core machine (~80-95k objects),
which was the whole of the switch time's p95. Collecting once per switch, when the new screen has been drawn and
the customer is reading it, frees one old tree at a moment nobody waits on, and resets the collector's counts
so its own full pass does not land in a switch. Freezing what start-up built (modules, classes, the theme, the
session host: ~80k objects that live as long as the app) takes them out of every later pass, which cut that
per-switch collection from ~46 ms to ~12 ms (p50, benchmarks/ui.py).
"""

from __future__ import annotations

import gc

from kivy.clock import Clock

SETTLE_S = 0.25  # after the switch's first frame: the customer is reading, nobody is waiting on a frame


def freeze_long_lived() -> None:
    """Once, after start-up and before the first screen: keep what lives as long as the app out of every later
    collection (anything frozen is never collected, so no screen's widgets may exist yet)."""
    gc.collect()
    gc.freeze()


def collect_left_screens() -> int:
    """Free the widget trees of screens that were replaced; returns how many objects were collected."""
    return gc.collect()


_trigger = Clock.create_trigger(lambda dt: collect_left_screens(), SETTLE_S)


def collect_after_switch() -> None:
    """Schedule one collection for just after the new screen's first frames (the app calls this per switch;
    switches in quick succession share one collection)."""
    _trigger()
