"""The emulated side of `open_devices`: emulators to start, blank-card PANs, the PIN pad's key ceremony.

Why a module of its own: production code paths (`kiosk_app.devices`) stay readable, and everything that
plays the hardware or the bank's key host for `driver = "emulator"` lives here, in one place the demo and
the tests can reach through `Devices.sims`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

from drivers.cardnumbers import luhn_check_digit
from drivers.pinpad import Algorithm, WorkingKey, key_check_value
from drivers.pinpad.pinblock import ecb_encrypt
from drivers.sim.barcode_emulator import BarcodeEmulator
from drivers.sim.dispenser_emulator import DispenserEmulator
from drivers.sim.idcard_emulator import IdCardEmulator
from drivers.sim.pboc_card import VirtualIcStation
from drivers.sim.pcscd import SlotLease, ensure_pcscd, lease_slot
from drivers.sim.pinpad_emulator import PinPadEmulator
from drivers.sim.printer_emulator import PrinterEmulator

log = logging.getLogger(__name__)

UNIONPAY_BIN = "621700"  # a UnionPay debit BIN (62...); the emulated stock's PANs share it
MASTER_SLOT = 1
WORKING_SLOT = 10
DEFAULT_STOCK = 100
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


@dataclass(frozen=True)
class PinPadKey:
    """The working key the kiosk loaded into the pad: where it is and how the central service names it.

    The clear key is never kept; `kcv` identifies it (the pad and the host both computed it).
    """

    master_slot: int
    key_slot: int
    algorithm: Algorithm
    key_id: str
    kcv: bytes


@dataclass
class KeyCeremony:
    """Plays the bank's key host for an emulated pad: a master key injected into the pad, a working key under it."""

    algorithm: Algorithm
    master_key: bytes = field(repr=False)

    @classmethod
    def generate(cls, algorithm: Algorithm) -> KeyCeremony:
        return cls(algorithm, os.urandom(16))

    def master_keys(self) -> dict[int, tuple[Algorithm, bytes]]:
        """What the emulated pad holds after the (pretend) key ceremony."""
        return {MASTER_SLOT: (self.algorithm, self.master_key)}

    def working_key(self, kiosk_id: str) -> tuple[WorkingKey, PinPadKey]:
        """A fresh working key wrapped under the master key, and how it is named to the central service."""
        clear = os.urandom(16)
        kcv = key_check_value(self.algorithm, clear)
        wrapped = ecb_encrypt(self.algorithm, self.master_key, clear)
        key_id = f"{kiosk_id}-{self.algorithm.name.lower()}-{kcv.hex()}"
        return (WorkingKey(MASTER_SLOT, WORKING_SLOT, self.algorithm, wrapped, kcv),
                PinPadKey(MASTER_SLOT, WORKING_SLOT, self.algorithm, key_id, kcv))


@dataclass
class Sims:
    """The running emulators (None where the device is not emulated), for the demo and tests to play the customer.

    `vpcd` is the lease on the vpcd slot the IC station's virtual cards use; `key_ceremony` holds the emulated
    pad's master key (never the working key).
    """

    idcard: IdCardEmulator | None = None
    scanner: BarcodeEmulator | None = None
    dispenser: DispenserEmulator | None = None
    ic_station: VirtualIcStation | None = None
    pinpad: PinPadEmulator | None = None
    printer: PrinterEmulator | None = None
    vpcd: SlotLease | None = field(default=None, repr=False)
    key_ceremony: KeyCeremony | None = field(default=None, repr=False)

    def running(self) -> Iterator[str]:
        """Names of the emulators that are running."""
        for f in fields(self):
            if f.name not in ("vpcd", "key_ceremony") and getattr(self, f.name) is not None:
                yield f.name

    def close(self) -> None:
        """Stop every emulator and give the vpcd slot back; never raises (each failure is logged)."""
        for name in ("idcard", "scanner", "pinpad", "printer", "dispenser", "ic_station"):
            sim = getattr(self, name)
            setattr(self, name, None)
            if sim is not None:
                with _logged(f"closing the {name} emulator"):
                    sim.close()
        if self.vpcd is not None:
            self.vpcd.release()
            self.vpcd = None


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


@contextlib.contextmanager
def _logged(what: str) -> Iterator[None]:
    try:
        yield
    except Exception:  # closing must go on for the others
        log.warning("%s failed", what, exc_info=True)
