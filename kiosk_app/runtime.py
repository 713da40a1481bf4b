"""Assemble a running kiosk from its config: database, devices, central client, journey, host, watchers.

This is the one place that knows every part; the CLI (`kiosk app`, `kiosk demo`) and the tests build a
kiosk through it, so production and rehearsal differ only in the config and the devices it opens.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from central_api_client import CentralClient, tokens
from kiosk_app.config import KioskConfig
from kiosk_app.devices import Devices
from kiosk_app.devices_checks import device_checks
from kiosk_app.flow.adapters.appointments import LocalAppointments, fetch_payroll_entry
from kiosk_app.flow.adapters.central import CentralAdapter
from kiosk_app.flow.adapters.credential import PadCredential
from kiosk_app.flow.adapters.idcard import IdCardWatcher
from kiosk_app.flow.adapters.issuer import IssuerAdapter
from kiosk_app.flow.adapters.printer import PrinterAdapter
from kiosk_app.flow.adapters.scanner import ScannerWatcher
from kiosk_app.flow.adapters.staff_calls import StaffCallWatcher
from kiosk_app.flow.adapters.tokens import TokenAdapter
from kiosk_app.flow.adapters.walk_in import WalkInWatcher
from kiosk_app.flow.host import SessionHost
from kiosk_app.flow.issuance import IssuanceService, bind_unknown, recover
from kiosk_app.flow.issuance.adapters import CardDispenserAdapter, ChipReaderAdapter
from kiosk_app.flow.policy import AccountPolicy
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.session import JourneySettings, Ports, Session
from kiosk_app.flow.staff import StaffAuthenticator
from kiosk_app.health_report import ReportPublisher
from kiosk_app.store.branch_day import BranchDay
from kiosk_app.store.sessions import Recorder
from kiosk_app.store.staff import DirectoryPins
from sync_agent import fetch
from sync_agent.central import CentralRemote
from sync_agent.clock import corrected_now
from sync_agent.localdb import LocalDb, open_db

log = logging.getLogger(__name__)


def person_key_secret(db_path: Path) -> bytes:
    """The kiosk's secret for keyed hashes of ID numbers, made once beside the database (0600)."""
    path = Path(f"{db_path}.secret")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def load_staff(path: Path | None) -> dict[str, str]:
    """Staff ids and PIN hashes (`kiosk_app.flow.staff.hash_pin`) as branch IT provisions them."""
    if path is None or not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass
class KioskRuntime:
    cfg: KioskConfig
    db: LocalDb
    devices: Devices
    client: CentralClient
    session: Session
    host: SessionHost
    issuance: IssuanceService
    printer: PrinterAdapter | None
    watchers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for watcher in self.watchers:
            watcher.stop()
        self.host.close()
        self.db.close()


def journey_settings(cfg: KioskConfig) -> JourneySettings:
    j = cfg.journey
    return JourneySettings(step_timeout_s=j.step_timeout_s, still_there_s=j.still_there_s,
                           max_extensions=j.max_extensions, walk_in_form_timeout_s=j.walk_in_form_timeout_s,
                           locale=cfg.kiosk.locale, official_account_url=cfg.branding.official_account_url,
                           face_capture=cfg.journey.face_capture)


def account_policy(cfg: KioskConfig) -> AccountPolicy:
    p = cfg.policy
    return AccountPolicy(min_age_alone=p.min_age_alone, min_age_credit_card=p.min_age_credit_card,
                         guardian_consent_under=p.guardian_consent_under,
                         max_cards_per_person_per_day=p.max_cards_per_person_per_day)


def build_runtime(cfg: KioskConfig, devices: Devices, client: CentralClient, keys: tokens.KeyRing, *,
                  on_screen: Callable[[Screen], None], staff: dict[str, str] | None = None,
                  clock: Callable[[], float] | None = None, day: BranchDay | None = None,
                  face_source: Any = None) -> KioskRuntime:
    """Wire everything; runs issuance recovery first. Raises RuntimeError if a device the journey needs is absent.

    `day` is the branch's clock and local day (default: now, in the config's time zone): every daily count
    and "today" in the journey and the console use it.
    """
    missing = [n for n in ("idcard", "dispenser", "chip", "pinpad") if getattr(devices, n) is None]
    if missing:
        raise RuntimeError(f"devices not available: {', '.join(missing)} ({devices.errors})")
    db = open_db(cfg.paths.database)
    day = day or BranchDay.named(cfg.kiosk.time_zone)
    recorder = Recorder(db, cfg.kiosk.kiosk_id, person_key_secret(cfg.paths.database), day=day)
    central = CentralAdapter(client)
    remote = CentralRemote(client)
    branch = cfg.kiosk.branch_id
    dispenser = CardDispenserAdapter(devices.dispenser)
    chip = ChipReaderAdapter(devices.chip.read)
    dispenser.status()  # initialises a device fresh from power-on, without moving a card it may hold
    # The bank offers no bind lookup by key: a captured card that had a bind key is reported as maybe bound.
    recover(db, dispenser, bind_lookup=bind_unknown, chip=chip)
    issuance = IssuanceService(db, dispenser, chip, taken_timeout_s=cfg.journey.card_take_timeout_s)
    issuer = IssuerAdapter(issuance, central, devices.pinpad, key_slot=devices.pinpad_key.key_slot,
                           key_id=devices.pinpad_key.key_id, pin_timeout_s=int(cfg.devices.pinpad.entry_timeout_s))
    printer = PrinterAdapter(devices.printer, bank_name=cfg.branding.bank_name_local,
                             official_account_url=cfg.branding.official_account_url) if devices.printer else None
    ports = Ports(
        tokens=TokenAdapter(recorder, keys, branch, skew_s=cfg.journey.token_clock_skew_s,
                            now=lambda: corrected_now(db)),
        appointments=LocalAppointments(
            db, lambda ref: fetch.fetch_by_token(db, remote, branch, ref.text),
            lambda ref, id_number: fetch_payroll_entry(db, remote, branch, ref, id_number)),
        central=central, issuer=issuer, printer=printer or _NoPrinter(),
        staff=StaffAuthenticator(staff or {}, max_failures=cfg.policy.staff_pin_max_failures,
                                 directory=DirectoryPins(db)),
        face=_face_camera(cfg, face_source),
        credential=PadCredential(devices.pinpad, key_slot=devices.pinpad_key.key_slot,
                                 key_id=devices.pinpad_key.key_id, timeout_s=int(cfg.devices.pinpad.entry_timeout_s)),
    )
    session = Session(ports, recorder, journey_settings(cfg), account_policy(cfg), today=day.today,
                      **({"clock": clock} if clock else {}))
    recorder.recover_sessions()
    host = SessionHost(session, on_screen)
    reports = ReportPublisher(db, lambda: device_checks(cfg, devices), lambda: session.closed, issuance.book.storage)
    host.add_listener(reports)
    reports.publish()
    walk_in = WalkInWatcher(central, host.post, lambda: session.ctx.form_id)
    host.add_listener(walk_in)
    runtime = KioskRuntime(cfg, db, devices, client, session, host, issuance, printer)
    runtime.watchers.append(walk_in)
    staff_calls = StaffCallWatcher(central, host.post, lambda: session.ctx.session_id)
    host.add_listener(staff_calls)
    runtime.watchers.append(staff_calls)
    runtime.watchers.append(IdCardWatcher(devices.idcard, host.post, day.today).start())
    if devices.scanner is not None:
        runtime.watchers.append(ScannerWatcher(devices.scanner, host.post).start())
    return runtime


def _face_camera(cfg: KioskConfig, source: Any) -> Any:
    """The face camera (`FaceCamera`) when the bank asks for face images and the kiosk has a camera; else None.

    The camera modules (OpenCV, numpy frames) load only here: a kiosk without face capture ships without them.
    """
    if not cfg.journey.face_capture:
        return None
    from drivers.camera import open_source
    from kiosk_app.flow.adapters.face import FaceCamera

    if source is None and cfg.devices.camera.driver == "opencv":
        source = open_source(f"opencv:{cfg.devices.camera.index}")
    return FaceCamera(source) if source is not None else None


class _NoPrinter:
    """No printer configured: the journey goes on without a receipt (the thank-you screen shows the card)."""

    def print_receipt(self, lines: dict[str, Any]) -> None:
        log.info("no receipt printer configured; receipt skipped")
