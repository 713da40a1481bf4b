"""The emulated side of `open_devices`: emulators to start, blank-card PANs, the PIN pad's key ceremony.

Why a module of its own: production code paths (`kiosk_app.devices`) stay readable, and everything that
plays the hardware or the bank's key host for `driver = "emulator"` lives here, in one place the demo and
the tests can reach through `Devices.sims`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from drivers.barcode.protocol import FramingConfig
from drivers.cardnumbers import luhn_check_digit
from drivers.pinpad import Algorithm, WorkingKey, key_check_value
from drivers.pinpad.pinblock import ecb_encrypt
from drivers.sim.barcode_emulator import BarcodeEmulator
from drivers.sim.dispenser_emulator import DispenserEmulator
from drivers.sim.idcard_emulator import IdCardEmulator
from drivers.sim.pboc_card import VirtualIcStation
from drivers.sim.pcscd import ensure_pcscd, lease_slot
from drivers.sim.pinpad_emulator import PinPadEmulator
from drivers.sim.printer_emulator import PrinterEmulator
from kiosk_app.emulators import Sims
from kiosk_app.pinpad_key import DELIVERY_FORMAT, KeyDelivery, PinPadKey

log = logging.getLogger(__name__)

UNIONPAY_BIN = "621700"  # a UnionPay debit BIN (62...); the emulated stock's PANs share it
MASTER_SLOT = 1
WORKING_SLOT = 10
EMULATED_LOW_THRESHOLD = 10  # the emulated stacker's "low" sensor trips at this many cards


def unionpay_pans(count: int, *, first: int = 1, length: int = 16, bin_: str = UNIONPAY_BIN) -> list[str]:
    """`count` distinct Luhn-valid PANs `bin_ + serial + check`, serials from `first`.

    Raises ValueError if the serials do not fit in `length` digits.
    """
    width = length - len(bin_) - 1
    if width < 1 or first + count > 10**width:
        raise ValueError(f"{count} serials from {first} do not fit a {length}-digit PAN")
    bodies = (f"{bin_}{serial:0{width}d}" for serial in range(first, first + count))
    return [body + luhn_check_digit(body) for body in bodies]


@dataclass
class KeyCeremony:
    """Plays the bank's key host for an emulated pad: a master key injected into the pad, a working key under it."""

    algorithm: Algorithm
    master_key: bytes = field(repr=False)
    master_slot: int = MASTER_SLOT

    @classmethod
    def generate(cls, algorithm: Algorithm, master_slot: int = MASTER_SLOT) -> KeyCeremony:
        return cls(algorithm, os.urandom(16), master_slot)

    def master_keys(self) -> dict[int, tuple[Algorithm, bytes]]:
        """What the emulated pad holds after the (pretend) key ceremony."""
        return {self.master_slot: (self.algorithm, self.master_key)}

    def delivery(self, key_id: str) -> tuple[KeyDelivery, bytes]:
        """A fresh working key wrapped under the master key, as the bank's key host delivers it, and the clear key
        (which only the key host and the central service's HSM know; tests use it to open PIN blocks)."""
        clear = os.urandom(16)
        kcv = key_check_value(self.algorithm, clear)
        wrapped = ecb_encrypt(self.algorithm, self.master_key, clear)
        return KeyDelivery(format=DELIVERY_FORMAT, key_id=key_id, algorithm=self.algorithm.name.lower(),
                           master_slot=self.master_slot, wrapped_key=wrapped.hex(), kcv=kcv.hex()), clear

    def working_key(self, kiosk_id: str, key_slot: int = WORKING_SLOT) -> tuple[WorkingKey, PinPadKey]:
        """A fresh working key wrapped under the master key, and how it is named to the central service."""
        delivery, _ = self.delivery("pending")
        kcv = bytes.fromhex(delivery.kcv)
        key_id = f"{kiosk_id}-{self.algorithm.name.lower()}-{kcv.hex()}"
        return (delivery.working_key(key_slot),
                PinPadKey(self.master_slot, key_slot, self.algorithm, key_id, kcv))


def start_idcard(baudrate: int) -> IdCardEmulator:
    """An ID card reader emulator (SAM and card slot) on a fresh pty."""
    return IdCardEmulator(baudrate=baudrate)


def start_scanner(model: str, framing: FramingConfig) -> BarcodeEmulator:
    """A QR scanner emulator speaking `model`'s command set on a fresh pty."""
    return BarcodeEmulator(model, framing)


def start_pinpad(ceremony: KeyCeremony) -> PinPadEmulator:
    """A PIN pad emulator holding the ceremony's master key, no working key yet."""
    return PinPadEmulator(ceremony.master_keys())


def start_printer() -> PrinterEmulator:
    """A receipt printer emulator on a fresh pty."""
    return PrinterEmulator()


def start_dispenser(stock: int, *, address: int = 0) -> DispenserEmulator:
    """An emulated dispenser whose stack holds `stock` blank cards with distinct UnionPay PANs."""
    return DispenserEmulator(unionpay_pans(stock), address=address, low_threshold=EMULATED_LOW_THRESHOLD)


def attach_ic_station(sims: Sims, *, lease_timeout: float = 10.0) -> str:
    """Start (or reuse) pcscd, lease a free vpcd slot, and wire the dispenser's IC hooks to virtual cards there.

    Returns the PC/SC reader name the chip reader must use. Raises LinkError (no pcscd/vpcd installed) or
    DeviceTimeout (readers never appear, no free slot).
    """
    assert sims.dispenser is not None, "start the dispenser emulator first"
    ensure_pcscd()
    lease = lease_slot(lease_timeout)
    sims.vpcd = lease
    station = VirtualIcStation(lease.port)
    sims.ic_station = station
    sims.dispenser.set_ic_hooks(station.on_card_at_ic, station.on_card_left_ic)
    log.info("emulated IC station on %s", lease.reader)
    return lease.reader
