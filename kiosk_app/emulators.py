"""`Sims`: the emulators one device assembly started, for the demo and tests to play the customer.

Why apart from `kiosk_app.devices_sim` (which starts them): `Devices` always carries a `Sims`, also on a
production kiosk where it stays empty, and holding one must not import a single module of `drivers.sim`;
the emulator types are named for the type checker only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.sim.barcode_emulator import BarcodeEmulator
    from drivers.sim.dispenser_emulator import DispenserEmulator
    from drivers.sim.idcard_emulator import IdCardEmulator
    from drivers.sim.pboc_card import VirtualIcStation
    from drivers.sim.pcscd import SlotLease
    from drivers.sim.pinpad_emulator import PinPadEmulator
    from drivers.sim.printer_emulator import PrinterEmulator
    from kiosk_app.devices_sim import KeyCeremony

log = logging.getLogger(__name__)


@dataclass
class Sims:
    """The running emulators (None where the device is not emulated).

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


@contextlib.contextmanager
def _logged(what: str) -> Iterator[None]:
    try:
        yield
    except Exception:  # closing must go on for the others
        log.warning("%s failed", what, exc_info=True)
