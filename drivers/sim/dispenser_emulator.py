"""A CRT-591-style card dispenser on a pseudo-terminal, speaking the real bytes (reusing the driver's protocol).

Tests drive it by calling methods (`take_card`, `inject`, `snapshot`...), never by timers. Each blank card in
the stack has its own PAN; `on_card_at_ic(pan)` / `on_card_left_ic(pan)` fire (in the emulator's thread, before
the move's answer is sent) when a card arrives at / leaves the IC station, so a virtual chip card can be
inserted into pcscd in step. With `state_file` the physical state is saved after every change and restored at
start, so the "hardware" outlives the process that drives it. Run it as its own process with
`python -m drivers.sim.dispenser_emulator --state FILE --pty-link-file FILE` (see `dispenser_control`).
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from drivers.dispenser.protocol import (
    ACK,
    EOT,
    NAK,
    BadFrame,
    ControlByte,
    Deframer,
    Frame,
    Token,
    decode_command,
)
from drivers.dispenser.tables import dialect_named
from drivers.errors import DeviceError
from drivers.sim.dispenser_mech import CardHook, EmulatorError, Hardware, Mechanism, MechFault
from drivers.sim.pty_link import PtyLink

log = logging.getLogger(__name__)

REALISTIC_MOVE_DELAY = 0.8  # seconds per motor command in the realistic mode
_MAX_RESPONSE_RESENDS = 3


class LinkFault(enum.Enum):
    """Faults on the wire, armed by a test for the next N commands."""

    LOST_ACK = "lost_ack"  # the command is lost on the line: no ACK, not executed
    NAK = "nak"  # the command is answered NAK, as if its BCC were bad
    LOST_RESPONSE = "lost_response"  # ACKed and executed, but the answer never arrives
    CORRUPT_RESPONSE = "corrupt_response"  # the answer goes out once with a bad BCC (a NAK gets a good copy)
    MUTE = "mute"  # nothing comes back at all (an unplugged device)


EmulatorFault = MechFault | LinkFault


def fault_named(name: str) -> EmulatorFault:
    """Look a fault up by its value (for the control channel). Raises ValueError if unknown."""
    for kind in (MechFault, LinkFault):
        with contextlib.suppress(ValueError):
            return kind(name)
    raise ValueError(f"unknown fault {name!r}")


class DispenserEmulator:
    """The emulated dispenser: owns a `PtyLink` (driver opens `.path`) and answers in a background thread.

    Raises OSError if no pty is free; ValueError for an unknown dialect.
    """

    def __init__(
        self, pans: Sequence[str] = (), *, address: int = 0, serial_number: str = "CRT591SIM00001",
        firmware: str = "CRT-591-M001", bin_capacity: int = 50, low_threshold: int = 5, move_delay: float = 0.0,
        dialect: str = "creator", on_card_at_ic: CardHook | None = None, on_card_left_ic: CardHook | None = None,
        state_file: str | os.PathLike[str] | None = None, initialised: bool = False,
    ) -> None:
        self.state_file = Path(state_file) if state_file else None
        if self.state_file and self.state_file.exists():
            hardware = Hardware.from_json(json.loads(self.state_file.read_text()))
        else:
            hardware = Hardware(stack=list(pans), bin_capacity=bin_capacity, low_threshold=low_threshold)
        self.move_delay = move_delay
        self._mech = Mechanism(hardware, dialect=dialect_named(dialect), address=address,
                               serial_number=serial_number, firmware=firmware,
                               on_card_at_ic=on_card_at_ic, on_card_left_ic=on_card_left_ic)
        self._mech.initialised = initialised
        self._lock = threading.RLock()
        self._link_faults: dict[LinkFault, int] = {}
        self._deframer = Deframer()
        self._backlog = bytearray()
        self._unacked: bytes | None = None
        self._response_resends = 0
        self.stats = {"commands": 0, "acks": 0, "naks_sent": 0, "naks_received": 0, "eots": 0, "dropped": 0}
        self._save()
        self._link = PtyLink()
        self.path = self._link.path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dispenser-emulator", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Stop answering, save the state, and close the pty (a driver then sees the device unplugged)."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._save()
        self._link.close()

    def __enter__(self) -> DispenserEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_ic_hooks(self, on_card_at_ic: CardHook | None, on_card_left_ic: CardHook | None) -> None:
        """Install the callbacks fired when a card arrives at / leaves the IC station."""
        with self._lock:
            self._mech.on_card_at_ic, self._mech.on_card_left_ic = on_card_at_ic, on_card_left_ic

    # ------------------------------------------------------------ what a test (or staff, or customer) does

    def take_card(self) -> str:
        """The customer takes the card at the gate; returns its PAN. Raises EmulatorError if none is there."""
        return self._physical(self._mech.take_card)

    def insert_card(self, pan: str) -> bool:
        """A card is pushed in at the gate; accepted only while gate entry is enabled and the channel is empty."""
        return self._physical(self._mech.insert_card, pan)

    def clear_jam(self) -> str | None:
        """Staff pull a jammed card out (returns its PAN, or None if nothing was jammed)."""
        return self._physical(self._mech.clear_jam)

    def refill(self, pans: Sequence[str]) -> None:
        """Staff add blank cards to the stack."""
        self._physical(self._mech.refill, list(pans))

    def empty_bin(self) -> list[str]:
        """Staff empty the error bin; returns the PANs taken out."""
        return self._physical(self._mech.empty_bin)

    def power_cycle(self) -> None:
        """Power off and on: physical state stays, the device needs initialise again."""
        with self._lock:
            self._mech.initialised, self._mech.gate_entry, self._mech.latched, self._mech.armed = False, False, None, []

    def inject(self, fault: EmulatorFault | str, count: int = 1) -> None:
        """Arm a fault: a mechanical one springs on the next motor command; a link one hits the next `count`."""
        fault = fault_named(fault) if isinstance(fault, str) else fault
        with self._lock:
            if isinstance(fault, MechFault):
                self._mech.armed.extend([fault] * count)
            else:
                self._link_faults[fault] = self._link_faults.get(fault, 0) + count

    def clear_faults(self) -> None:
        """Disarm every armed fault (a latched device error still needs initialise)."""
        with self._lock:
            self._link_faults.clear()
            self._mech.armed.clear()

    def snapshot(self) -> dict[str, Any]:
        """Where every card is (stack, channel/ic/gate, taken, bin, staff), counters and power-on state."""
        with self._lock:
            return self._mech.snapshot()

    def locate(self, pan: str) -> str:
        """Where one card is: 'stack', 'holding', 'ic', 'rf', 'gate', 'jammed', 'taken', 'bin', 'staff', 'unknown'."""
        with self._lock:
            return self._mech.locate(pan)

    def _physical(self, action: Any, *args: Any) -> Any:
        with self._lock:
            result = action(*args)
            self._save()
            return result

    def _save(self) -> None:
        """Write the physical state atomically (temp file + rename), so a reader never sees half a file."""
        if not self.state_file:
            return
        tmp = self.state_file.with_name(self.state_file.name + ".tmp")
        tmp.write_text(json.dumps(self._mech.hw.to_json(), indent=1))
        os.replace(tmp, self.state_file)

    # ------------------------------------------------------------ the wire

    def _serve(self) -> None:
        while not self._stop.is_set():
            if self._backlog:
                data, self._backlog = bytes(self._backlog), bytearray()
            else:
                data = self._link.read(timeout=0.05)
            for token in self._deframer.feed(data):
                try:
                    self._handle(token)
                except Exception:  # a failing hook must not kill the device: log it and keep answering
                    log.exception("dispenser emulator failed on %r", token)

    def _handle(self, token: Token) -> None:
        if isinstance(token, ControlByte):
            self._control(token.value)
        elif isinstance(token, BadFrame):
            if not self._take_fault(LinkFault.MUTE, consume=False):
                self._send(bytes([NAK]))
                self.stats["naks_sent"] += 1
        elif isinstance(token, Frame):
            self._frame(token.raw)

    def _control(self, value: int) -> None:
        if value == ACK:
            self._unacked = None
        elif value == NAK:
            self.stats["naks_received"] += 1
            if self._unacked is not None and self._response_resends < _MAX_RESPONSE_RESENDS:
                self._response_resends += 1
                self._send(self._unacked)
        elif value == EOT:
            self.stats["eots"] += 1
            self._unacked = None
            if not self._take_fault(LinkFault.MUTE, consume=False):
                self._send(bytes([EOT]))

    def _frame(self, raw: bytes) -> None:
        try:
            command = decode_command(raw)
        except DeviceError:
            self._send(bytes([NAK]))
            self.stats["naks_sent"] += 1
            return
        if command.address != self._mech.address:
            return  # another unit on a multi-drop line
        self._unacked = None
        if self._take_fault(LinkFault.MUTE) or self._take_fault(LinkFault.LOST_ACK):
            self.stats["dropped"] += 1
            return
        if self._take_fault(LinkFault.NAK):
            self._send(bytes([NAK]))
            self.stats["naks_sent"] += 1
            return
        self.stats["commands"] += 1
        self._send(bytes([ACK]))
        self.stats["acks"] += 1
        if command.long_running and self.move_delay > 0 and self._motor_aborted():
            self._send(bytes([EOT]))
            return
        with self._lock:
            response = self._mech.execute(command)
            self._save()
        self._answer(response)

    def _answer(self, response: bytes) -> None:
        if self._take_fault(LinkFault.LOST_RESPONSE):
            return
        self._unacked, self._response_resends = response, 0
        if self._take_fault(LinkFault.CORRUPT_RESPONSE):
            self._send(response[:-1] + bytes([response[-1] ^ 0xFF]))
        else:
            self._send(response)

    def _motor_aborted(self) -> bool:
        """Run the motor for `move_delay` seconds; an EOT from the host stops it (the card does not move)."""
        deadline = time.monotonic() + self.move_delay
        while (left := deadline - time.monotonic()) > 0 and not self._stop.is_set():
            data = self._link.read(timeout=min(left, 0.05))
            if EOT in data:
                self.stats["eots"] += 1
                return True
            self._backlog.extend(data)
        return False

    def _take_fault(self, fault: LinkFault, *, consume: bool = True) -> bool:
        with self._lock:
            left = self._link_faults.get(fault, 0)
            if left <= 0:
                return False
            if consume:
                self._link_faults[fault] = left - 1
            return True

    def _send(self, data: bytes) -> None:
        try:
            self._link.write(data)
        except OSError:
            log.debug("driver side gone; dropping %d bytes", len(data))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator as its own process (see `drivers.sim.dispenser_control.main`)."""
    from drivers.sim.dispenser_control import main as control_main

    return control_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["DispenserEmulator", "EmulatorError", "EmulatorFault", "LinkFault", "MechFault", "fault_named"]
