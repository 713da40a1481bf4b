"""Device assembly: one call turns the `[devices]` config into opened drivers (and emulators where asked).

Why here and not in each caller: the kiosk app, the demo, `kiosk doctor` and the tests all need the same
wiring, including the emulated parts that must be started in step (the dispenser's IC station is a virtual
card under the real pcscd, so the chip reader's name comes from the slot the emulator leased). A device that
cannot be opened is recorded in `Devices.errors` and left None; the others open anyway, so a kiosk with a
broken printer can still report it and run what it can. No Kivy here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from types import ModuleType
from typing import Any

from drivers.barcode import BarcodeScanner
from drivers.barcode import ScannerConfig as ScannerSettings
from drivers.barcode.protocol import FramingConfig
from drivers.chip import ChipReader
from drivers.dispenser import CardDispenser
from drivers.errors import DeviceError
from drivers.idcard import IdCardReader
from drivers.pinpad import Algorithm, PinPad
from drivers.printer import ReceiptPrinter
from kiosk_app.config import KioskConfig
from kiosk_app.config.model import SerialDevice
from kiosk_app.emulators import Sims
from kiosk_app.pinpad_key import KeyNotLoaded, PinPadKey, loaded_key

log = logging.getLogger(__name__)

DEVICE_NAMES = ("idcard", "scanner", "dispenser", "chip", "pinpad", "printer")
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}
DEFAULT_STOCK = 100  # blank cards in an emulated dispenser's stack
SCANNER_ONLINE_WAIT_S = 2.0
VPCD_WAIT_S = 10.0
Opener = Callable[["Devices", KioskConfig], None]

__all__ = ["DEVICE_NAMES", "Devices", "PinPadKey", "Sims", "open_devices"]


@dataclass
class Devices:
    """The opened drivers (None when disabled or failed), where each is, and why any failed.

    `endpoints` maps a device to its port or PC/SC reader name; `errors` maps a device that could not be
    opened (or, for the scanner, is not connected yet: it keeps retrying) to a one-line reason.
    `pinpad_key` is the working key the pad holds in the configured slot (a serial pad reports it; an emulated
    one gets a fresh key at open). Close with `close()` or `with`.
    """

    idcard: IdCardReader | None = None
    scanner: BarcodeScanner | None = None
    dispenser: CardDispenser | None = None
    chip: ChipReader | None = None
    pinpad: PinPad | None = None
    printer: ReceiptPrinter | None = None
    pinpad_key: PinPadKey | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    sims: Sims = field(default_factory=Sims)

    @property
    def ok(self) -> bool:
        """True when no device failed to open."""
        return not self.errors

    def close(self) -> None:
        """Close every driver, then every emulator; never raises (failures are logged)."""
        for name in DEVICE_NAMES:
            driver = getattr(self, name)
            setattr(self, name, None)
            if driver is not None and hasattr(driver, "close"):
                try:
                    driver.close()
                except Exception:  # one stuck device must not keep the others open
                    log.warning("closing %s failed", name, exc_info=True)
        self.sims.close()

    def __enter__(self) -> Devices:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_devices(cfg: KioskConfig, *, stock: int = DEFAULT_STOCK, vpcd_wait: float | None = None) -> Devices:
    """Open every configured device, starting emulators for `driver = "emulator"` (dispenser with `stock` cards).

    `vpcd_wait` bounds the wait for a free vpcd slot for the emulated IC station (two exist per machine;
    default `VPCD_WAIT_S`).

    Never raises for a device that cannot be opened (see `Devices.errors`); closes what it opened and
    re-raises on anything else (a bug, KeyboardInterrupt).
    """
    devices = Devices()
    wait = VPCD_WAIT_S if vpcd_wait is None else vpcd_wait
    steps: tuple[tuple[str, Opener], ...] = (
        ("idcard", _open_idcard), ("scanner", _open_scanner), ("dispenser", partial(_open_dispenser, stock=stock)),
        ("chip", partial(_open_chip, vpcd_wait=wait)), ("pinpad", _open_pinpad), ("printer", _open_printer),
    )
    try:
        for name, step in steps:
            _attempt(devices, name, step, cfg)
    except BaseException:
        devices.close()
        raise
    return devices


def _attempt(devices: Devices, name: str, step: Opener, cfg: KioskConfig) -> None:
    """Run one device's opening; an OSError, ValueError or driver error is recorded, not raised."""
    try:
        step(devices, cfg)
    except (DeviceError, OSError, ValueError) as exc:
        devices.errors[name] = f"{type(exc).__name__}: {exc}"
        log.warning("device %s not opened: %s", name, devices.errors[name])


def _emulated() -> ModuleType:
    """The emulators' module, imported only when a device says `driver = "emulator"`: a production kiosk
    never loads `drivers.sim` (tests/production asserts it)."""
    from kiosk_app import devices_sim

    return devices_sim


def _port(devices: Devices, name: str, dev: SerialDevice, start: Callable[[ModuleType], Any]) -> str | None:
    """The port to open: the emulator's pty (started now and kept in `sims`), the configured one, or None."""
    if dev.driver == "disabled":
        return None
    if dev.driver == "emulator":
        sim = start(_emulated())
        setattr(devices.sims, name, sim)
        devices.endpoints[name] = f"{sim.path} (emulator)"
        return str(sim.path)
    devices.endpoints[name] = dev.port
    return dev.port


def _open_idcard(devices: Devices, cfg: KioskConfig) -> None:
    dev = cfg.devices.idcard
    port = _port(devices, "idcard", dev, lambda sims: sims.start_idcard(dev.baudrate))
    if port is None:
        return
    reader = IdCardReader(port, dev.baudrate, command_timeout=dev.timeout_s, read_timeout=max(3.0, dev.timeout_s),
                          poll_interval=dev.poll_interval_s)
    reader.open()
    devices.idcard = reader


def _open_scanner(devices: Devices, cfg: KioskConfig) -> None:
    dev = cfg.devices.scanner
    framing = FramingConfig(terminator=TERMINATORS[dev.terminator], max_length=dev.max_length)
    port = _port(devices, "scanner", dev, lambda sims: sims.start_scanner(dev.model, framing))
    if port is None:
        return
    scanner = BarcodeScanner(ScannerSettings(url=port, model=dev.model, baudrate=dev.baudrate, framing=framing,
                                             command_timeout=dev.timeout_s)).start()
    devices.scanner = scanner
    if not scanner.wait_online(min(dev.timeout_s, SCANNER_ONLINE_WAIT_S)):
        devices.errors["scanner"] = f"port {port} not available (the scanner keeps retrying)"


def _open_dispenser(devices: Devices, cfg: KioskConfig, *, stock: int = DEFAULT_STOCK) -> None:
    dev = cfg.devices.dispenser
    port = _port(devices, "dispenser", dev, lambda sims: sims.start_dispenser(stock, address=dev.address))
    if port is None:
        return
    dispenser = CardDispenser(port, baudrate=dev.baudrate, address=dev.address, command_timeout=dev.timeout_s)
    dispenser.open()
    devices.dispenser = dispenser


def _open_chip(devices: Devices, cfg: KioskConfig, *, vpcd_wait: float = VPCD_WAIT_S) -> None:
    """The chip reader on the configured reader, or on the emulated IC station's vpcd slot."""
    reader = cfg.devices.chip.reader
    if devices.sims.dispenser is not None:
        reader = _emulated().attach_ic_station(devices.sims, lease_timeout=vpcd_wait)
        devices.endpoints["chip"] = f"{reader} (emulated IC station)"
    elif reader is None:
        raise ValueError("devices.chip.reader is not set (only an emulated dispenser names its own)")
    else:
        devices.endpoints["chip"] = reader
    timeout = cfg.devices.chip.timeout_s
    devices.chip = ChipReader(reader, card_timeout=timeout, read_timeout=timeout)


def _open_pinpad(devices: Devices, cfg: KioskConfig) -> None:
    """Open the pad and find its working key: a serial pad must report one in the configured slot (loaded by
    `kiosk pinpad load-key`); an emulated pad gets a master key at start and a fresh working key now."""
    dev = cfg.devices.pinpad
    ceremony = None
    if dev.driver == "emulator":
        ceremony = _emulated().KeyCeremony.generate(Algorithm[dev.algorithm.upper()], dev.master_slot)
    port = _port(devices, "pinpad", dev, lambda sims: sims.start_pinpad(ceremony))
    if port is None:
        return
    pad = PinPad(port, dev.baudrate, command_timeout=dev.timeout_s)
    pad.open()
    devices.pinpad = pad
    if ceremony is None:
        try:
            devices.pinpad_key = loaded_key(pad, dev)
        except KeyNotLoaded as exc:
            devices.errors["pinpad"] = str(exc)
            return
        log.info("PIN pad holds working key %s in slot %d", dev.key_id, dev.key_slot)
        return
    devices.sims.key_ceremony = ceremony
    wrapped, key = ceremony.working_key(cfg.kiosk.kiosk_id, dev.key_slot)
    loaded = pad.load_working_key(wrapped)
    if not loaded.ok:
        devices.errors["pinpad"] = f"working key not loaded: {loaded.completion.value} {loaded.error_code or ''}"
        return
    devices.pinpad_key = key
    log.info("PIN pad working key %s loaded in slot %d", key.key_id, key.key_slot)


def _open_printer(devices: Devices, cfg: KioskConfig) -> None:
    dev = cfg.devices.printer
    port = _port(devices, "printer", dev, lambda sims: sims.start_printer())
    if port is None:
        return
    printer = ReceiptPrinter(port, dev.baudrate, timeout=dev.timeout_s)
    printer.open()
    devices.printer = printer
