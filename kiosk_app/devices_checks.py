"""What `kiosk doctor` checks, as data: one `Check` per device and per thing the kiosk needs around it.

Why separate from the command: the checks are typed results a test (or a lobby health page) can assert on;
the command only prints them. Every check catches its own trouble and says so: nothing here raises for a
broken device, a missing file or a dead network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from central_api_client import errors as central_errors
from central_api_client.client import CentralClient
from central_api_client.transport import RetryPolicy
from drivers.chip import PcscUnavailable
from drivers.chip.pcsc_service import find_running_socket, list_readers
from drivers.dispenser import CardDispenser, InitMode
from drivers.status import DeviceState, DeviceStatus
from kiosk_app.central_link import central_client
from kiosk_app.config import KioskConfig
from kiosk_app.devices import DEVICE_NAMES, Devices
from kiosk_app.ui.fonts import NoCjkFont, find_cjk_font
from sync_agent.localdb import LocalDb, LocalDbError
from sync_agent.sealing import DataKeyError, key_path_for, read_key_file

log = logging.getLogger(__name__)

DOCTOR_RETRY = RetryPolicy(total=0, body_retries=0)  # doctor answers in seconds, not after a retry campaign
_FAIL_STATES = {"stock": "empty", "bin": "full", "tamper": "detected", "paper": "out", "cover": "open"}
NOT_INITIALISED = "notInitialised"  # the dispenser tables' code for "not initialised since power-on"
_NOISE = ("port", "reader", "bytes", "scans", "rejected", "reconnects")  # shown elsewhere on the line, or counters


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: what was checked, whether it is fine, and what was seen."""

    name: str
    ok: bool
    state: str
    driver: str = ""
    where: str = ""
    details: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        """E.g. `OK   printer    emulator  /dev/pts/5  online  paper=full cover=closed`."""
        head = f"{'OK' if self.ok else 'FAIL':<4} {self.name:<10} {self.driver:<9} {self.where or '-'}  {self.state}"
        return "  ".join([head, *(f"{k}={v}" for k, v in self.details.items())])

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "state": self.state, "driver": self.driver, "where": self.where,
                "details": dict(self.details)}


def driver_kind(cfg: KioskConfig, name: str) -> str:
    """The configured driver of a device ("serial", "emulator", "disabled"; "pcsc" for the chip reader)."""
    if name == "chip":
        return "pcsc"
    return str(getattr(cfg.devices, name).driver)


def device_checks(cfg: KioskConfig, devices: Devices) -> list[Check]:
    """One check per device of `DEVICE_NAMES`, from the opened `devices` (opening errors included)."""
    return [_device_check(cfg, devices, name) for name in DEVICE_NAMES]


def _device_check(cfg: KioskConfig, devices: Devices, name: str) -> Check:
    kind, where = driver_kind(cfg, name), devices.endpoints.get(name, "")
    if kind == "disabled":
        return Check(name, True, "disabled", kind, where)
    driver = getattr(devices, name)
    error = devices.errors.get(name)
    if driver is None:
        return Check(name, False, "offline", kind, where, {"error": error or "not opened"})
    try:
        status, extra = _status_of(name, driver)
    except Exception as exc:  # a driver bug must not hide the other lines
        log.warning("doctor: %s status failed", name, exc_info=True)
        return Check(name, False, "hardwareError", kind, where, {"error": f"{type(exc).__name__}: {exc}"})
    details = {k: v for k, v in {**extra, **status.details}.items() if k not in _NOISE}
    if error:
        details["error"] = error
    ok = status.device is DeviceState.ONLINE and not error and not _failing_detail(details)
    return Check(name, ok, status.device.value, kind, where, details)


def _status_of(name: str, driver: object) -> tuple[DeviceStatus, dict[str, str]]:
    """Common status, plus the ID card reader's SAM id and whether the chip reader is present."""
    if name == "idcard":
        check = driver.check()  # type: ignore[attr-defined]
        return check.status, {"sam_id": check.sam_id or "unavailable"}
    if name == "dispenser":
        return _dispenser_status(driver)  # type: ignore[arg-type]
    status: DeviceStatus = driver.status()  # type: ignore[attr-defined]
    if name == "chip":
        present = status.device is not DeviceState.NO_DEVICE and "noReader" not in status.details.values()
        return status, {"reader_present": "yes" if present else "no"}
    return status, {}


def _dispenser_status(dispenser: CardDispenser) -> tuple[DeviceStatus, dict[str, str]]:
    """Status with stacker level and bin state; a device not initialised since power-on is initialised first.

    Initialise with NO_MOVE leaves any card where it is, and the app initialises before use anyway; without
    it the device answers nothing but "not initialised".
    """
    status = dispenser.status()
    if status.details.get("error") != NOT_INITIALISED:
        return status, {}
    init = dispenser.initialise(InitMode.NO_MOVE)
    if not init.ok:
        return status, {"initialise": f"{init.completion.value} {init.error_code or ''}".strip()}
    return dispenser.status(), {"initialised": "by doctor"}


def _failing_detail(details: dict[str, str]) -> bool:
    return any(details.get(key) == bad for key, bad in _FAIL_STATES.items())


def camera_check(cfg: KioskConfig) -> Check:
    """The camera is optional: disabled is fine; opencv must be importable when configured."""
    kind = cfg.devices.camera.driver
    if kind == "disabled":
        return Check("camera", True, "disabled", kind)
    try:
        from drivers.camera import opencv_available
    except ImportError:  # a bundle built without the camera's numpy
        ok = False
    else:
        ok = opencv_available()
    return Check("camera", ok, "online" if ok else "noDevice", kind, f"index {cfg.devices.camera.index}",
                 {} if ok else {"error": "OpenCV is not installed"})


def config_check(source: str) -> Check:
    """Reached only with a valid config (an invalid one stops the doctor before any device is opened)."""
    return Check("config", True, "valid", where=source)


def database_check(cfg: KioskConfig) -> Check:
    """Schema status of the local database; a missing file is reported, not created."""
    path = Path(cfg.paths.database)
    if not path.exists():
        return Check("database", False, "missing", where=str(path), details={"fix": "kiosk db migrate"})
    try:
        with LocalDb(path) as db:
            st = db.status()
    except LocalDbError as exc:
        return Check("database", False, "unreadable", where=str(path), details={"error": str(exc)})
    details = {"schema": f"{st.schema_version} of {st.latest_version}"}
    if st.pending:
        details["pending"] = ",".join(st.pending)
        details["fix"] = "kiosk db migrate"
    return Check("database", not st.pending, "current" if not st.pending else "outdated", where=str(path),
                 details=details)


def data_key_check(cfg: KioskConfig) -> Check:
    """The key that seals synced personal data (`sync_agent.sealing`): there, a key, readable, owner-only."""
    path = key_path_for(cfg.paths.database)
    fix = "kiosk provision (or let the app make one: the branch then resyncs)"
    try:
        read_key_file(path)
    except FileNotFoundError:
        return Check("data-key", False, "missing", where=str(path), details={"fix": fix})
    except (OSError, DataKeyError) as exc:
        return Check("data-key", False, "unreadable", where=str(path), details={"error": str(exc)})
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("data-key", False, "exposed", where=str(path),
                     details={"mode": oct(mode), "fix": f"chmod 600 {path}"})
    return Check("data-key", True, "present", where=str(path), details={"mode": oct(mode)})


def pcscd_check() -> Check:
    """Whether a pcscd answers on its client socket (the chip reader needs it), and the readers it offers:
    branch IT copies the IC station's name from this line into `devices.chip.reader`."""
    found = find_running_socket()
    if found is None:
        return Check("pcscd", False, "notRunning", details={"fix": "systemctl start pcscd"})
    try:
        readers = list_readers()
    except PcscUnavailable as exc:
        return Check("pcscd", False, "unreachable", where=str(found), details={"error": str(exc)})
    return Check("pcscd", True, "running", where=str(found),
                 details={"readers": "; ".join(repr(r) for r in readers) or "none"})


def font_check() -> Check:
    """A CJK font for the Chinese screens (system-wide or bundled next to the frozen executable)."""
    try:
        return Check("cjk-font", True, "present", where=find_cjk_font())
    except NoCjkFont as exc:
        return Check("cjk-font", False, "missing", details={"error": str(exc)})


def central_check(cfg: KioskConfig, make_client: Callable[[KioskConfig], CentralClient] | None = None) -> Check:
    """GET /v1/keys with the kiosk's credentials: reachable and accepted, refused, or unreachable."""
    where = str(cfg.central.url)
    try:
        with (make_client or (lambda c: central_client(c, retry=DOCTOR_RETRY)))(cfg) as client:
            keys = client.get_keys()
    except central_errors.Unauthorized:
        return Check("central", False, "unauthorized", where=where, details={"fix": "kiosk provision --code CODE"})
    except central_errors.CentralError as exc:
        return Check("central", False, "unreachable", where=where, details={"error": f"{type(exc).__name__}: {exc}"})
    except OSError as exc:  # an unreadable certificate or key file
        return Check("central", False, "misconfigured", where=where, details={"error": str(exc)})
    return Check("central", True, "reachable", where=where, details={"token_keys": str(len(keys.keys))})


def system_checks(cfg: KioskConfig) -> list[Check]:
    """Everything around the devices: database, data key, pcscd, CJK font, the central service."""
    return [database_check(cfg), data_key_check(cfg), pcscd_check(), font_check(), central_check(cfg)]
