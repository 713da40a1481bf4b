"""Fit the real drivers to the issuance ports: the one place driver results become the service's vocabulary.

Why the guards: on a CRT-591 a move with an empty channel feeds a fresh card from the stack, so "present"
and "capture" must never be sent unless a card is in the channel, or a blank card would go to the gate or
the bin unseen and the counts would drift.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from drivers.dispenser import CardDispenser, CardPosition, DispenserStatus, InitMode, Target
from drivers.dispenser.tables import NO_MEDIA
from drivers.errors import DeviceError, DeviceTimeout
from drivers.status import Completion, Result

log = logging.getLogger(__name__)
NOT_INITIALISED = "notInitialised"  # tables' error code for B0, "not initialised since power-on"


class CardDispenserAdapter:
    """`DispenserPort` over `drivers.dispenser.CardDispenser`."""

    def __init__(self, driver: CardDispenser) -> None:
        self.driver = driver

    def status(self) -> DispenserStatus:
        """Initialises a device fresh from power-on without moving its card (recovery needs it where it is).

        Raises DeviceError if the device cannot say (link down, timeout, initialise refused).
        """
        result = self.driver.device_status()
        if result.error_code == NOT_INITIALISED:
            init = self.driver.initialise(InitMode.NO_MOVE)
            if not init.ok:
                raise _as_error("initialise", init)
            result = self.driver.device_status()
        if not result.ok or result.value is None:
            raise _as_error("status", result)
        return result.value

    def move(self, target: Target) -> Result[None]:
        """IC feeds a new card (refused if the channel is occupied); GATE and BIN need a card in the channel."""
        if target is Target.IC:
            result = self.driver.dispense(Target.IC)
        elif target is Target.BIN:
            result = self.driver.retract()
        else:
            if self.status().card_position is CardPosition.NONE:
                return Result(Completion.COMMAND_ERROR, NO_MEDIA, None, "no card in the channel to move")
            result = self.driver.move(target)
        return Result(result.completion, result.error_code, None, result.detail)

    def bin_counter(self) -> int | None:
        """None when the device has no counter; raises DeviceError when it has one but cannot read it now."""
        result = self.driver.bin_counter()
        if result.ok and result.value is not None:
            return result.value
        if result.completion in (Completion.UNSUPPORTED_COMMAND, Completion.INVALID_COMMAND):
            return None
        raise _as_error("bin counter", result)


def _as_error(what: str, result: Result[Any]) -> DeviceError:
    cls = DeviceTimeout if result.completion is Completion.TIMEOUT else DeviceError
    return cls(f"dispenser {what}: {result.completion.value} {result.detail}".strip(),
               code=result.error_code or result.completion.value)


class ChipReaderAdapter:
    """`ChipPort` over a chip reader's read call (e.g. `drivers.chip.ChipReader(...).read`).

    Every chip failure, link ones included, becomes a failed Result: the card at the IC station is then
    captured, which is right whether the card or the station is at fault.
    """

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read

    def read_pan(self) -> Result[str]:
        try:
            data = self._read()
        except DeviceError as exc:
            log.info("chip read failed: %s", type(exc).__name__)
            completion = Completion.TIMEOUT if isinstance(exc, DeviceTimeout) else Completion.COMMAND_ERROR
            return Result(completion, exc.code or type(exc).__name__, None, type(exc).__name__)
        return Result.success(data.pan)
