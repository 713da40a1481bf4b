"""The emulated dispenser's mechanics: where every card is, and what each command does to it. No I/O.

`Hardware` is the physical state that survives a host crash (and is saved to JSON between processes):
the stack, the one card in the channel and where it sits, the customers' cards, the bin, counters.
`Mechanism` executes decoded commands against it and returns the encoded answer, so the pty emulator around it
only moves bytes. Behaviour choices the spec leaves open are noted where they are made.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from drivers.cardnumbers import mask_pan
from drivers.dispenser.protocol import (
    CM,
    PM_BIN_COUNTER_SET,
    PM_ENTRY_DISABLE,
    PM_ENTRY_ENABLE,
    PM_READ,
    PM_STATUS_DEVICE,
    PM_STATUS_SENSORS,
    Command,
    InitMode,
    NegativeResponse,
    PositiveResponse,
    encode_negative,
    encode_positive,
)
from drivers.dispenser.tables import (
    CardPosition,
    Dialect,
    DispenserStatus,
    Fault,
    StackerLevel,
    Target,
    encode_sensors,
    encode_status,
)

log = logging.getLogger(__name__)

CardHook = Callable[[str], None]


class EmulatorError(Exception):
    """A test asked the emulated hardware for something physically impossible (e.g. take a card not there)."""


class Spot(enum.Enum):
    """Where the card in the channel rests."""

    HOLDING = "holding"
    IC = "ic"
    RF = "rf"
    GATE = "gate"
    JAMMED = "jammed"


_TARGET_SPOT = {Target.HOLDING: Spot.HOLDING, Target.IC: Spot.IC, Target.RF: Spot.RF, Target.GATE: Spot.GATE}
_AT_GATE = (Spot.HOLDING, Spot.GATE)


class MechFault(enum.Enum):
    """Faults of the mechanics, armed by a test and sprung by the next motor command."""

    JAM = "jam"  # the card jams in the channel; initialise frees it
    JAM_STUCK = "jam_stuck"  # the card jams and only staff (`clear_jam`) can free it
    MOTOR_ERROR = "motor_error"  # answer 51, latched until initialise
    MOVED_MANUALLY = "moved_manually"  # answer 45, latched until initialise


@dataclass
class Hardware:
    """Physical state: survives a host crash; saved as JSON so the 'hardware' can outlive a process."""

    stack: list[str] = field(default_factory=list)  # stack[0] is fed first
    channel: str | None = None
    spot: str | None = None  # a Spot value while `channel` is set
    taken: list[str] = field(default_factory=list)
    bin: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)  # cards staff pulled out (jams)
    bin_counter: int = 0
    dispensed: int = 0
    captured: int = 0
    retracted: int = 0
    bin_capacity: int = 50
    low_threshold: int = 5
    jam_stuck: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Hardware:
        return cls(**data)


class Mechanism:
    """Executes commands on `Hardware`; answers are encoded packets. Not thread-safe: the caller locks."""

    def __init__(
        self, hardware: Hardware, *, dialect: Dialect, address: int = 0, serial_number: str = "CRT591SIM00001",
        firmware: str = "CRT-591-M001", on_card_at_ic: CardHook | None = None,
        on_card_left_ic: CardHook | None = None,
    ) -> None:
        self.hw = hardware
        self.dialect = dialect
        self.address = address
        self.serial_number = serial_number
        self.firmware = firmware
        self.on_card_at_ic = on_card_at_ic
        self.on_card_left_ic = on_card_left_ic
        self.initialised = False  # power-on state: not persisted
        self.gate_entry = False
        self.latched: Fault | None = None
        self.armed: list[MechFault] = []

    # ------------------------------------------------------------ status

    def status(self) -> DispenserStatus:
        spot = Spot(self.hw.spot) if self.hw.spot else None
        position = CardPosition.NONE if spot is None else (
            CardPosition.GATE if spot in _AT_GATE else CardPosition.IC)
        n = len(self.hw.stack)
        stacker = StackerLevel.EMPTY if n == 0 else StackerLevel.LOW if n <= self.hw.low_threshold else (
            StackerLevel.ENOUGH)
        return DispenserStatus(position, stacker, len(self.hw.bin) >= self.hw.bin_capacity)

    def sensors(self) -> dict[str, bool]:
        spot = Spot(self.hw.spot) if self.hw.spot else None
        n = len(self.hw.stack)
        return {
            "gate_outer": spot is Spot.GATE,
            "gate_inner": spot in (*_AT_GATE, Spot.JAMMED),
            "ic_front": spot in (Spot.IC, Spot.RF, Spot.JAMMED),
            "ic_rear": spot is Spot.IC,
            "stacker_exit": False,
            "stacker_low": n > self.hw.low_threshold,
            "stacker_present": n > 0,
        }

    # ------------------------------------------------------------ commands

    def execute(self, command: Command) -> bytes:
        """The encoded answer to `command` (after its effect on the hardware)."""
        handler = self._handlers().get(command.cm)
        if handler is None:
            outcome: Fault | bytes = Fault.UNDEFINED_COMMAND
        elif not self.initialised and command.cm != CM.INITIALISE:
            outcome = Fault.NOT_INITIALISED
        else:
            outcome = handler(command)
        if isinstance(outcome, Fault):
            return encode_negative(NegativeResponse(command.cm, command.pm, outcome.value, b"", self.address))
        st = encode_status(self.status(), self.dialect)
        return encode_positive(PositiveResponse(command.cm, command.pm, st, outcome, self.address))

    def _handlers(self) -> dict[int, Callable[[Command], Fault | bytes]]:
        return {
            CM.INITIALISE: self._initialise,
            CM.STATUS: self._status,
            CM.MOVE: self._move,
            CM.ENTRY: self._entry,
            CM.SERIAL_NUMBER: lambda c: bytes([len(self.serial_number)]) + self.serial_number.encode("ascii"),
            CM.FIRMWARE: lambda c: self.firmware.encode("ascii"),
            CM.BIN_COUNTER: self._bin_counter,
            # This variant exposes its IC station as a PC/SC reader, not as APDU pass-through.
            CM.CARD_TYPE: lambda c: Fault.NOT_SUPPORTED,
            CM.CPU_CARD: lambda c: Fault.NOT_SUPPORTED,
            CM.CONFIG: lambda c: Fault.NOT_SUPPORTED,
        }

    def _initialise(self, command: Command) -> Fault | bytes:
        try:
            mode = InitMode(command.pm)
        except ValueError:
            return Fault.PARAMETER_ERROR
        if self.hw.jam_stuck:
            return Fault.CARD_JAM
        self.latched, self.armed, self.initialised, self.gate_entry = None, [], True, False
        base = mode & ~0x04
        if self.hw.channel is not None and base != InitMode.NO_MOVE:
            fault = self._capture() if base == InitMode.CAPTURE else self._place(Spot.HOLDING)
            if fault:
                return fault
            if mode != base:
                self.hw.retracted += 1
        elif self.hw.spot == Spot.JAMMED.value:
            self._place(Spot.IC)  # the motor frees a (non-stuck) jam; the card comes to rest at the IC station
        return self.firmware.encode("ascii")

    def _status(self, command: Command) -> Fault | bytes:
        if command.pm == PM_STATUS_DEVICE:
            return b""
        if command.pm == PM_STATUS_SENSORS:
            return encode_sensors(self.sensors())
        return Fault.PARAMETER_ERROR

    def _move(self, command: Command) -> Fault | bytes:
        target = self.dialect.target_for(command.pm)
        if target is None:
            return Fault.PARAMETER_ERROR
        fault = self.latched or self._spring_fault() or self._feed_if_empty(target)
        if fault:
            return fault
        if MechFault.JAM in self.armed or MechFault.JAM_STUCK in self.armed:
            self.hw.jam_stuck = MechFault.JAM_STUCK in self.armed
            self.armed = [f for f in self.armed if f not in (MechFault.JAM, MechFault.JAM_STUCK)]
            self._place(Spot.JAMMED)
            return Fault.CARD_JAM
        if target is Target.BIN:
            return self._capture() or b""
        self._place(_TARGET_SPOT[target])
        return b""

    def _spring_fault(self) -> Fault | None:
        for armed, fault in ((MechFault.MOTOR_ERROR, Fault.MOTOR_ERROR), (MechFault.MOVED_MANUALLY,
                                                                          Fault.CARD_MOVED_MANUALLY)):
            if armed in self.armed:
                self.armed.remove(armed)
                self.latched = fault
                return fault
        if self.hw.spot == Spot.JAMMED.value:
            return Fault.CARD_JAM
        return None

    def _feed_if_empty(self, target: Target) -> Fault | None:
        """With the channel empty a move feeds the top card of the stack (a capture then has nothing to take)."""
        if self.hw.channel is not None:
            return None
        if target is Target.BIN:
            return Fault.SEQUENCE_ERROR  # our choice: no card in the channel, nothing to capture
        if not self.hw.stack:
            return Fault.STACKER_EMPTY
        self.hw.channel = self.hw.stack.pop(0)
        self.hw.spot = None
        self.hw.dispensed += 1
        return None

    def _capture(self) -> Fault | None:
        if len(self.hw.bin) >= self.hw.bin_capacity:
            return Fault.BIN_FULL
        if self.hw.bin_counter >= 999:
            return Fault.BIN_COUNTER_OVERFLOW
        pan = self._remove_from_channel()
        self.hw.bin.append(pan)
        self.hw.bin_counter += 1
        self.hw.captured += 1
        return None

    def _entry(self, command: Command) -> Fault | bytes:
        if command.pm not in (PM_ENTRY_ENABLE, PM_ENTRY_DISABLE):
            return Fault.PARAMETER_ERROR
        self.gate_entry = command.pm == PM_ENTRY_ENABLE
        return b""

    def _bin_counter(self, command: Command) -> Fault | bytes:
        if command.pm == PM_READ:
            return Fault.BIN_COUNTER_OVERFLOW if self.hw.bin_counter > 999 else f"{self.hw.bin_counter:03d}".encode()
        if command.pm == PM_BIN_COUNTER_SET and len(command.data) == 3 and command.data.isdigit():
            self.hw.bin_counter = int(command.data)
            return b""
        return Fault.PARAMETER_ERROR

    # ------------------------------------------------------------ card movement (fires the IC hooks)

    def _place(self, spot: Spot) -> None:
        pan = self.hw.channel
        if pan is None:
            raise EmulatorError("no card in the channel to place")
        was_at_ic = self.hw.spot == Spot.IC.value
        self.hw.spot = spot.value
        log.debug("card %s -> %s", mask_pan(pan), spot.value)
        if was_at_ic and spot is not Spot.IC and self.on_card_left_ic:
            self.on_card_left_ic(pan)
        if spot is Spot.IC and not was_at_ic and self.on_card_at_ic:
            self.on_card_at_ic(pan)

    def _remove_from_channel(self) -> str:
        pan = self.hw.channel
        if pan is None:
            raise EmulatorError("no card in the channel")
        was_at_ic = self.hw.spot == Spot.IC.value
        self.hw.channel, self.hw.spot = None, None
        if was_at_ic and self.on_card_left_ic:
            self.on_card_left_ic(pan)
        return pan

    # ------------------------------------------------------------ what tests and staff do by hand

    def take_card(self) -> str:
        """The customer takes the card presented at the gate. Raises EmulatorError if none is there."""
        if self.hw.spot not in (s.value for s in _AT_GATE):
            raise EmulatorError("no card at the gate to take")
        pan = self._remove_from_channel()
        self.hw.taken.append(pan)
        return pan

    def insert_card(self, pan: str) -> bool:
        """A customer pushes a card in at the gate; it is carried in only with gate entry enabled."""
        if not self.gate_entry or self.hw.channel is not None:
            return False
        if pan in self.hw.taken:
            self.hw.taken.remove(pan)
        self.hw.channel = pan
        self.hw.spot = None
        self._place(Spot.RF)
        return True

    def clear_jam(self) -> str | None:
        """Staff pull a jammed card out by hand (it goes to the `staff` list) and free the mechanism."""
        self.hw.jam_stuck = False
        if self.hw.spot != Spot.JAMMED.value:
            return None
        pan = self._remove_from_channel()
        self.hw.staff.append(pan)
        return pan

    def refill(self, pans: list[str]) -> None:
        """Staff add blank cards under the stack."""
        self.hw.stack.extend(pans)

    def empty_bin(self) -> list[str]:
        """Staff empty the error bin (the counter is reset by a command, as on the real device)."""
        emptied, self.hw.bin = self.hw.bin, []
        self.hw.staff.extend(emptied)
        return emptied

    def snapshot(self) -> dict[str, Any]:
        """Where every card is, the counters, and the power-on state."""
        hw = self.hw
        at = hw.spot if hw.channel is not None else None
        return {
            "stack": list(hw.stack),
            "channel": {"pan": hw.channel, "at": at} if hw.channel is not None else None,
            "ic": hw.channel if at == Spot.IC.value else None,
            "gate": hw.channel if at in (Spot.HOLDING.value, Spot.GATE.value) else None,
            "taken": list(hw.taken),
            "bin": list(hw.bin),
            "staff": list(hw.staff),
            "counters": {"bin_counter": hw.bin_counter, "dispensed": hw.dispensed, "captured": hw.captured,
                         "retracted": hw.retracted},
            "initialised": self.initialised,
            "gate_entry": self.gate_entry,
            "latched": self.latched.value if self.latched else None,
            "jam_stuck": hw.jam_stuck,
        }

    def locate(self, pan: str) -> str:
        """'stack', a Spot value, 'taken', 'bin', 'staff', or 'unknown'."""
        hw = self.hw
        if hw.channel == pan:
            return hw.spot or "channel"
        for name in ("stack", "taken", "bin", "staff"):
            if pan in getattr(hw, name):
                return name
        return "unknown"
