"""The lobby manager's console against a whole rehearsal kiosk: reference central service, emulated devices.

Each test starts one rehearsal (real ptys, real pcscd with the virtual IC station, HTTP on loopback) and
drives the console the way a lobby manager would, checking screens, the devices and the journal.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image

from drivers.printer.pii import find_unmasked
from kiosk_app.demo.environment import STAFF, Rehearsal, rehearsal
from kiosk_app.demo.runner import Runner
from kiosk_app.demo.script import Setup, load_script
from kiosk_app.devices_checks import device_checks
from kiosk_app.devices_sim import unionpay_pans
from kiosk_app.flow.events import Touch
from kiosk_app.flow.manager import ManagerAction, ManagerConsole, ManagerLogin, Refusal
from kiosk_app.flow.staff import StaffAuthenticator, hash_pin
from sync_agent import journal

JOURNEYS = Path(__file__).resolve().parents[2] / "assets" / "journeys"
PIN = STAFF["M001"]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def console_for(r: Rehearsal, **overrides) -> ManagerConsole:
    return ManagerConsole.from_runtime(r.runtime, checks=lambda: device_checks(r.cfg, r.devices), **overrides)


def entries(r: Rehearsal, kind: str) -> list[dict]:
    return [e.record for e in journal.entries(r.runtime.db) if e.kind == kind]


def outbox_kinds(r: Rehearsal) -> list[str]:
    return [row[0] for row in r.runtime.db.conn.execute("SELECT kind FROM outbox ORDER BY id")]


def run_journey(r: Rehearsal, name: str) -> None:
    Runner(r, load_script(JOURNEYS / f"{name}.toml")).run()
    assert r.runtime.host.wait_idle(15)


def post(r: Rehearsal, event) -> None:
    r.runtime.host.post(event)
    assert r.runtime.host.wait_idle(15)


def test_login_lockout_inactivity_and_refusals(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup()) as r:
        clock = FakeClock()
        staff = StaffAuthenticator({"M001": hash_pin(PIN)}, max_failures=3, lock_s=60, clock=clock)
        console = console_for(r, staff=staff, clock=clock, idle_timeout_s=30)
        for action in ("stock", "devices", "sessions", "receipt", "reprint", "empty_bin", "clear_jam", "close"):
            assert console.handle(ManagerAction(action)).errors["base"] == Refusal.NOT_LOGGED_IN, action
        assert [console.login("M001", "000000").errors["base"] for _ in range(3)] == [
            Refusal.AUTH_FAILED, Refusal.AUTH_FAILED, Refusal.LOCKED]
        assert console.login("M001", PIN).errors["base"] == Refusal.LOCKED  # locked even with the right PIN
        assert [e["staff_id"] for e in entries(r, "manager_login_failed")] == ["M001"] * 3
        assert len(entries(r, "manager_login_locked")) == 2
        assert "manager_login_failed" in outbox_kinds(r)
        assert not console.logged_in

        clock.t += 61  # the lock runs out
        menu = console.handle(ManagerLogin("M001", PIN))
        assert menu.step_id == "manager_menu" and menu.data == {"staff_id": "M001", "kiosk": "open"}
        assert r.runtime.session.closed, "the kiosk is held closed while a manager works on it"
        assert console.receipt().errors["base"] == Refusal.NO_RECEIPT
        assert console.handle(ManagerAction("dance")).errors["base"] == Refusal.UNKNOWN_ACTION

        clock.t += 31  # the manager walked away
        timed_out = console.devices()
        assert timed_out.step_id == "manager_login" and timed_out.errors["base"] == Refusal.TIMED_OUT
        assert entries(r, "manager_logout")[-1] == {"kiosk_id": r.cfg.kiosk.kiosk_id, "staff_id": "M001",
                                                    "reason": "inactivity", "kiosk": "open"}
        assert not r.runtime.session.closed
        console.login("M001", PIN)
        clock.t += 30
        assert console.tick().step_id == "idle" and not console.logged_in

        post(r, Touch("walk_in"))  # a customer starts: the console must not take the kiosk from them
        assert r.runtime.session.state.value == "await_id_card"
        refused = console.login("M001", PIN)
        assert refused.step_id == "manager_login" and refused.errors["base"] == Refusal.SESSION_RUNNING
        unheld = console_for(r, staff=staff, clock=clock, hold_kiosk=False)
        post(r, Touch("cancel"))
        assert unheld.login("M001", PIN).step_id == "manager_menu"
        post(r, Touch("walk_in"))
        assert unheld.stock().errors["base"] == Refusal.SESSION_RUNNING
        assert entries(r, "manager_refused")[-1]["action"] == "stock"
        post(r, Touch("cancel"))


def test_stock_refill_recount_and_bin(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(cards_in_stock=5)) as r:
        console = console_for(r)
        console.login("M001", PIN)
        first = console.stock()
        assert first.data["stock"] == {"counted": 0, "sensor": "low", "low": True, "low_threshold": 20,
                                       "severity": "fault"}
        assert first.errors == {"stock": "stock_sensor_not_empty"}, "the book says 0 but the stacker sees cards"

        assert console.recount(5).errors == {}
        r.sims.dispenser.refill(unionpay_pans(20, first=5000))  # the manager puts 20 cards in
        for typo in (0, -3, "20", True, 5000):
            assert console.handle(ManagerAction("refill", typo)).errors["base"] == Refusal.BAD_INPUT
        after = console.handle(ManagerAction("refill", 20))
        assert after.data["stock"] == {"counted": 25, "sensor": "ok", "low": False, "low_threshold": 20,
                                       "severity": "ok"} and after.errors == {}
        assert r.runtime.issuance.book.storage()["stack"] == 25
        refill = entries(r, "manager_refill")
        assert [(e["staff_id"], e["added"], e["stack_before"], e["stack_after"]) for e in refill] == [
            ("M001", 20, 5, 25)]
        assert [e["staff_id"] for e in entries(r, "issuance.storage_set")] == ["M001", "M001"]
        assert "manager_refill" in outbox_kinds(r)

        assert r.devices.dispenser.set_bin_counter(3).ok  # the device counted captures the kiosk did not
        assert console.stock().errors == {"bin": "bin_counter_differs"}
        emptied = console.empty_bin()
        assert emptied.data["bin"] == {"counted": 0, "device_counter": 0, "full": False, "warn_threshold": 40,
                                       "severity": "ok"} and emptied.errors == {}
        assert entries(r, "manager_empty_bin")[-1]["device_counter_reset"] == "ok"


def test_jam_cleared_after_jam_stuck(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup()) as r:
        run_journey(r, "dispenser-jam")  # jam_stuck on the way to the chip station; staff declined
        post(r, Touch("done"))
        console = console_for(r)
        console.login("M001", PIN)
        devices = console.devices()
        line = next(d for d in devices.data["devices"] if d["name"] == "dispenser")
        assert line["state"] == "hardwareError" and line["details"]["error"] == "mediaJam"
        assert devices.errors.get("dispenser") == "device_fault"
        assert len(devices.data["lines"]) == len(devices.data["devices"])
        open_cards = console.stock().data["open_cards"]
        assert len(open_cards) == 1

        assert console.clear_jam().errors["base"] == Refusal.JAM_NOT_CLEARED  # still stuck: hand first
        pan = r.sims.dispenser.clear_jam()
        assert pan is not None
        cleared = console.handle(ManagerAction("clear_jam", True))
        assert cleared.step_id == "manager_stock" and "base" not in cleared.errors
        assert cleared.data["cards"] == [{"card_id": open_cards[0], "location": "staff"}]
        assert r.runtime.issuance.book.open_cards() == []
        assert [e["staff_id"] for e in entries(r, "issuance.staff.settled")] == ["M001"]
        assert [e["staff_id"] for e in entries(r, "manager_clear_jam")] == ["M001", "M001"]
        after = next(d for d in console.devices().data["devices"] if d["name"] == "dispenser")
        assert after["ok"] and after["state"] == "online"
        assert pan not in json.dumps([e.record for e in journal.entries(r.runtime.db)])


def test_reprint_sessions_today_and_close(tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=[])) as r:
        run_journey(r, "appointment-debit-card-only")
        pan = r.sims.dispenser.snapshot()["taken"][0]
        printer = r.sims.printer
        assert printer.wait_for_cuts(1)
        console = console_for(r)
        console.login("M001", PIN)

        shown = console.receipt()
        assert shown.step_id == "manager_receipt" and not shown.data["printed"]
        assert any(pan[:6] in line and pan[-4:] in line for line in shown.data["lines"])
        preview = Image.open(io.BytesIO(shown.data["png"]))
        found = zxingcpp.read_barcodes(np.asarray(preview.convert("L")), formats=zxingcpp.BarcodeFormat.QRCode)
        assert [b.text for b in found] == [r.cfg.branding.official_account_url]

        assert console.reprint().data["printed"]
        assert printer.wait_for_cuts(2)
        assert printer.receipts[1] == printer.receipts[0], "the same receipt, printed again"
        assert pan.encode() not in printer.received and find_unmasked(printer.receipts[1]) == []
        assert entries(r, "manager_reprint")[-1] == {"kiosk_id": r.cfg.kiosk.kiosk_id, "staff_id": "M001",
                                                     "printed": True}

        today = console.sessions_today()
        assert today.data["by_outcome"] == {"completed": 1} and today.data["total"] == 1
        assert today.data["cards_issued"] == 1
        assert r.customer.name not in repr(today) and r.customer.id_number not in repr(today)

        assert console.close_kiosk().data["kiosk"] == "closed"
        mark = len(r.screens.screens)
        assert console.logout().step_id == "closed" and r.runtime.session.closed
        shown = r.screens.screens[mark:]  # closed means closed: at once, before anyone scans
        assert shown and shown[-1].step_id == "closed" and shown[-1].actions == ()
        assert r.runtime.session.screen.step_id == "closed"
        r.runtime.session.closed = False  # as after a restart: the session starts open ...
        assert console_for(r).restore_kiosk_state()  # ... and the journal closes it again
        mark = len(r.screens.screens)
        r.sims.scanner.show(r.customer.token)
        assert r.screens.wait_for("closed", mark, 10) is not None
        assert r.runtime.session.state.value == "idle"
        console.login("M001", PIN)
        assert console.open_kiosk().data["kiosk"] == "open"
        assert console.logout().step_id == "idle" and not r.runtime.session.closed
        assert [e["closed"] for e in entries(r, "manager_close") + entries(r, "manager_open")] == [True, False]
        assert [e["staff_id"] for e in entries(r, "manager_close")] == ["M001"]
        assert not console_for(r).restore_kiosk_state()
