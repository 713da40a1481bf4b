"""A whole rehearsal kiosk: the central appointment service (embedded SQLite store), emulated devices, the
sync agent and the journey.

Everything is real except the bank and the hardware: HTTP over loopback, ptys, pcscd with a virtual card,
a SQLite file. Used by `kiosk demo`, the journey tests and benchmarks/journey.py.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from central_api_client import CentralClient
from central_service.staff.directory import StaffDirectory
from central_service.staff.roles import Role
from central_service.staff.seed import DEMO_PASSWORD
from central_service.testing import RunningService, sqlite_settings
from drivers.camera import ArraySource
from drivers.idcard import CardType, make_id_number
from drivers.sim.idcard_emulator import EmulatedCard
from kiosk_app.config import KioskConfig, load_config
from kiosk_app.demo.payroll_setup import PAYROLL_SETUPS, payroll_customer
from kiosk_app.demo.script import Setup
from kiosk_app.devices import Devices, open_devices
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.staff import hash_pin
from kiosk_app.runtime import KioskRuntime, build_runtime
from sync_agent.agent import AgentSettings, SyncAgent
from sync_agent.central import CentralRemote

BRANCH = "BJ001"
OTHER_BRANCH = "SH002"
STAFF = {"M001": "246810"}
CARD_TYPES = {"resident": CardType.RESIDENT, "hmt": CardType.HMT_RESIDENCE_PERMIT,
              "foreigner_2023": CardType.FOREIGNER_PERMANENT_2023}
SERVICES = ("mobile_banking", "online_banking", "credit_card", "wechat_binding", "follow_official_account")


class ScreenLog:
    """Every screen the session showed, in order; waits are bounded by a timeout, never by sleeps alone."""

    def __init__(self) -> None:
        self.screens: list[Screen] = []
        self._cond = threading.Condition()

    def __call__(self, screen: Screen) -> None:
        with self._cond:
            self.screens.append(screen)
            self._cond.notify_all()

    def wait_for(self, step_id: str, since: int, timeout: float) -> Screen | None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for screen in self.screens[since:]:
                    if screen.step_id == step_id:
                        return screen
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)


@dataclass
class Customer:
    """The rehearsal customer: the appointment's person and the ID card that goes with it."""

    name: str
    id_number: str
    birth: date
    card_type: CardType
    valid_to: date
    appointment: dict[str, Any] | None = None
    token: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def card(self, *, matching: bool = True) -> EmulatedCard:
        number = self.id_number if matching else make_id_number("310115", self.birth.strftime("%Y%m%d"), "999")
        fields = {"name": self.name, "number": number, "birth_date": self.birth.strftime("%Y%m%d"),
                  "valid_to": self.valid_to.strftime("%Y%m%d"), "valid_from": "20200101", **self.extra}
        if self.card_type is not CardType.RESIDENT:
            fields["sex"] = "1"
        return EmulatedCard.build(self.card_type, **fields)


class ClockOffset:
    """The kiosk's monotonic clock, which a script can move forward to play a customer walking away."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@dataclass
class Rehearsal:
    central: RunningService
    cfg: KioskConfig
    devices: Devices
    client: CentralClient
    runtime: KioskRuntime
    agent: SyncAgent
    screens: ScreenLog
    clock: ClockOffset
    customer: Customer

    @property
    def sims(self):
        return self.devices.sims


def _config(workdir: Path, base_url: str, token_file: Path, setup: Setup) -> KioskConfig:
    cfg = load_config(dev=True)
    return cfg.model_copy(update={
        "kiosk": replace_model(cfg.kiosk, branch_id=BRANCH),
        "central": replace_model(cfg.central, url=base_url, bearer_token_file=token_file),
        "paths": replace_model(cfg.paths, database=workdir / "kiosk.sqlite", log_dir=workdir / "log"),
        "journey": replace_model(cfg.journey, card_take_timeout_s=10, face_capture=setup.face_capture),
    })


def replace_model(model: Any, **changes: Any) -> Any:
    return model.model_copy(update=changes)


def make_customer(admin: Any, setup: Setup, today: date) -> Customer:
    """Book the appointment (or not, for a walk-in) and set the bank's answers for this person."""
    born = date(today.year - setup.customer.age, 3, 7)
    if (today.month, today.day) < (3, 7):
        born = date(born.year - 1, 3, 7)
    region = "810000" if setup.customer.card_type == "hmt" else "110105"
    id_number = make_id_number(region, born.strftime("%Y%m%d"), "123")
    valid_to = today - timedelta(days=3) if setup.customer.card_expired else date(today.year + 10, 1, 1)
    customer = Customer("王小明" if setup.customer.card_type != "foreigner_2023" else "怀特", id_number, born,
                        CARD_TYPES[setup.customer.card_type], valid_to)
    if setup.customer.card_type == "foreigner_2023":
        customer.extra = {"english_name": "WHITE, ANNE", "nationality": "GBR"}
    admin.set_person(id_number, blocklisted=setup.customer.blocklisted, holds_class1=setup.customer.holds_class1,
                     outcome=setup.customer.identity)
    if setup.appointment in PAYROLL_SETUPS:
        person = {"name": customer.name, "id_number": id_number, "phone": "13912345678"}
        customer.appointment, customer.token = payroll_customer(admin.central, BRANCH, setup.appointment, person,
                                                                valid_to)
    elif setup.appointment != "none":
        services = {"debit_card": True, "risk_assessment": True} | {s: s in setup.services for s in SERVICES}
        person = {"name": customer.name, "gender": "male", "id_type": "resident_id", "id_number": id_number,
                  "date_of_birth": born.isoformat(), "nationality": "CHN", "phone": "13912345678",
                  "address": "北京市朝阳区建国路88号", "occupation": "20000"}
        customer.appointment = admin.create_appointment(BRANCH, setup.appointment, customer=person,
                                                        services=services)
        customer.token = admin.token_for(customer.appointment["id"])
    return customer


@contextlib.contextmanager
def rehearsal(workdir: Path, setup: Setup, *, central: RunningService | None = None) -> Iterator[Rehearsal]:
    """Start everything for one scripted journey; stop everything on exit. With `central`, the kiosk joins that
    running service (a browser test's) instead of starting its own, and leaves it running."""
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if central is None:
            central = RunningService(sqlite_settings(workdir)).start()
            stack.callback(central.close)
        admin = central.admin
        _, bearer = admin.add_kiosk(BRANCH, "demo kiosk")
        directory = StaffDirectory(central.store.db)  # the lobby managers' PINs come from the directory
        for staff_id, pin in STAFF.items():
            directory.add(staff_id, BRANCH, "大堂经理", frozenset({Role.LOBBY_MANAGER}), DEMO_PASSWORD, pin)
        token_file = workdir / "kiosk.token"
        token_file.write_text(bearer, encoding="utf-8")
        cfg = _config(workdir, central.url, token_file, setup)
        customer = make_customer(admin, setup, date.today())
        devices = open_devices(cfg, stock=setup.cards_in_stock)
        stack.callback(devices.close)
        client = CentralClient(central.url, bearer_token=bearer)
        stack.callback(client.close)
        agent = SyncAgent(AgentSettings(db_path=str(cfg.paths.database), branch_id=BRANCH, long_poll_s=2,
                                        heartbeat_s=30, staff_every_s=1), CentralRemote(client))
        agent.start()
        stack.callback(agent.stop, 5.0)
        screens, clock = ScreenLog(), ClockOffset()
        staff = {staff_id: hash_pin(pin) for staff_id, pin in STAFF.items()}
        runtime = build_runtime(cfg, devices, client, central.central.key_ring(), on_screen=screens, staff=staff,
                                clock=clock, face_source=ArraySource([_face_frame()], loop=True))
        stack.callback(runtime.close)
        _earlier_cards(runtime, customer, setup.cards_issued_today)
        yield Rehearsal(central, cfg, devices, client, runtime, agent, screens, clock, customer)


def _face_frame() -> np.ndarray:
    """A stand-in for the camera's view of the customer: a still frame with an oval, as a real camera would give
    an image (the simulated core bank does not recognise faces; it checks that one came with consent)."""
    yy, xx = np.mgrid[0:480, 0:640]
    oval = ((xx - 320) / 120.0) ** 2 + ((yy - 220) / 160.0) ** 2 <= 1.0
    frame = np.full((480, 640, 3), 200, dtype=np.uint8)
    frame[oval] = (224, 172, 140)
    return frame


def _earlier_cards(runtime: KioskRuntime, customer: Customer, count: int) -> None:
    """Cards this kiosk issued to the same person earlier today, journaled as the journey journals them."""
    recorder = runtime.session.recorder
    for _ in range(count):
        recorder.event(None, "card_issued_to", {"person_key": recorder.person_key(customer.id_number),
                                                "pan": "621700******0000", "rehearsal": "earlier today"})


def expired_token(central: RunningService, appointment_id: str) -> str:
    issued = datetime.now(UTC) - timedelta(days=10)
    return central.central.sign_token(appointment_id, BRANCH, valid_for=timedelta(days=1), issued_at=issued)


__all__ = ["BRANCH", "OTHER_BRANCH", "STAFF", "Rehearsal", "ScreenLog", "expired_token", "rehearsal", "replace"]
