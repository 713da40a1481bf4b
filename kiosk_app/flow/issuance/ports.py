"""What issuance needs from the devices and the bank, as small protocols.

The service speaks the dispenser's typed vocabulary (`drivers.dispenser.tables`), never bytes; adapters in
`adapters.py` fit the real drivers to these protocols. Device exceptions (`drivers.errors.DeviceError`) mean
a broken link: the card's whereabouts are then unknown and `recover()` settles them later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from drivers.dispenser.tables import DispenserStatus, Target
from drivers.status import Result
from kiosk_app.flow.issuance.outcomes import BindOutcome, BindRequest, PinRequest, Progress

Bind = Callable[[BindRequest], BindOutcome]
BindLookup = Callable[[str], BindOutcome | None]
SetPin = Callable[[PinRequest], bool]
OnProgress = Callable[[Progress], None]


class DispenserPort(Protocol):
    def status(self) -> DispenserStatus:
        """Card position, stacker level and bin state. Raises DeviceError if the link is broken."""
        ...

    def move(self, target: Target) -> Result[None]:
        """Move the card in the channel (or the next blank card, for IC) to `target`; error codes from tables."""
        ...

    def bin_counter(self) -> int | None:
        """The device's capture-bin counter, or None if it has none (recovery then trusts the journal)."""
        ...


class ChipPort(Protocol):
    def read_pan(self) -> Result[str]:
        """The PAN of the card at the IC station, or a failed Result (no card, mute, wrong application)."""
        ...
