"""The emulated card-issuing hardware in one object: a pty dispenser whose IC station is a vpcd reader.

When the emulated dispenser brings a card to the IC station, a virtual PBOC card with that card's PAN is
inserted into the shared pcscd; when the card leaves, it is pulled out. With `sync_pcscd` each insert or
removal waits (on pcscd's events) until pcscd has seen it, before the dispenser answers the move, as the
contacts of a real station would: a reader never sees a stale card. The rig lives in the test (or
benchmark) process, so it outlives an issuing child process that is killed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from drivers.cardnumbers import luhn_check_digit
from drivers.sim import pcscd
from drivers.sim.dispenser_emulator import DispenserEmulator
from drivers.sim.pboc_card import VirtualIcStation, VirtualPbocCard

log = logging.getLogger(__name__)


def make_pans(count: int, *, prefix: str = "621700", start: int = 1) -> list[str]:
    """Distinct 19-digit UnionPay-style PANs with a correct Luhn digit (made up, never real)."""
    pans = []
    for n in range(start, start + count):
        body = f"{prefix}{n:012d}"
        pans.append(body + luhn_check_digit(body))
    return pans


class _SyncedStation(VirtualIcStation):
    """An IC station that returns only once pcscd has noticed the card arrive or leave."""

    def on_card_at_ic(self, pan: str) -> None:
        super().on_card_at_ic(pan)
        if not pcscd.wait_for_reader(self.reader, present=True, timeout=5.0):
            log.warning("pcscd did not see the card arrive at %s", self.reader)

    def on_card_left_ic(self, pan: str | None = None) -> None:
        had_card = self.card is not None
        super().on_card_left_ic(pan)
        if had_card and not pcscd.wait_for_reader(self.reader, present=False, timeout=5.0):
            log.warning("pcscd did not see the card leave %s", self.reader)

    @property
    def reader(self) -> str:
        return next(s.reader for s in pcscd.VPCD_SLOTS if s.port == self.port)


class IssuanceRig:
    """Dispenser emulator + IC station on a leased vpcd slot; `path` and `reader` are what a kiosk configures.

    Raises LinkError/DeviceTimeout if pcscd cannot run or no vpcd slot frees up within `slot_timeout`.
    """

    def __init__(self, pans: Sequence[str], *, move_delay: float = 0.0, bin_capacity: int = 50,
                 sync_pcscd: bool = True, slot_timeout: float = 90.0,
                 card_factory: Callable[[str, int], VirtualPbocCard] | None = None) -> None:
        pcscd.ensure_pcscd(timeout=20.0)
        self.lease = pcscd.lease_slot(timeout=slot_timeout)
        pcscd.wait_for_reader(self.lease.reader, present=False, timeout=5.0)
        self.station = (_SyncedStation if sync_pcscd else VirtualIcStation)(self.lease.port, card_factory)
        self.emulator = DispenserEmulator(
            pans, move_delay=move_delay, bin_capacity=bin_capacity,
            on_card_at_ic=self.station.on_card_at_ic, on_card_left_ic=self.station.on_card_left_ic,
        )
        self.path = self.emulator.path
        self.reader = self.lease.reader
        self.total = len(pans)

    def close(self) -> None:
        """Stop the emulator, pull any card out of the reader and give the vpcd slot back."""
        self.emulator.close()
        self.station.close()
        pcscd.wait_for_reader(self.lease.reader, present=False, timeout=5.0)
        self.lease.release()

    def __enter__(self) -> IssuanceRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
