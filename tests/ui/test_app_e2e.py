"""The whole app on a rehearsal kiosk, rendered offscreen and used the way a person uses it: every touch is a real
MotionEvent on the window (down, then up) at least 700 ms after the one before, the PIN pad's keys are pressed
one by one on the emulated pad, the ID card and the QR code go on the emulated reader and scanner. The flow is
never called: the customer goes from the QR scan to the card in hand through the full bundle, then the lobby
manager logs in on the on-screen keypad (while the console's 1 s clock keeps ticking), looks at the devices,
refills the stock and logs out."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from kivy.tests.common import UnitTestTouch

from kiosk_app.demo.environment import STAFF, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.devices_checks import device_checks
from kiosk_app.flow.manager import ManagerConsole
from kiosk_app.ui.app import KioskApp
from kiosk_app.ui.manager_view import ConsoleView
from kiosk_app.ui.texts import ManagerTexts, Texts
from sync_agent import journal
from tests.journey.evidence_support import evidence_of_last_session

pytestmark = pytest.mark.ui

PACE_S = 0.7  # a person's pace: no two touches or key presses closer than this
FULL_BUNDLE = ["mobile_banking", "online_banking", "credit_card", "wechat_binding", "follow_official_account"]
PIN = "258036"
LOGIN_PASSWORD = "147036"


class Person:
    """Touches the app's real window: a MotionEvent down and up on a widget's centre, the app live meanwhile."""

    def __init__(self, app: KioskApp) -> None:
        self.app, self.touches, self.last = app, 0, 0.0

    def wait(self, seconds: float) -> None:
        from kivy.base import EventLoop

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            EventLoop.idle()
            time.sleep(0.01)

    def until(self, done, what: str, timeout: float = 20.0) -> None:
        from kivy.base import EventLoop

        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"the app never showed {what} (it shows {self.app.current.step_id})"
            EventLoop.idle()
            time.sleep(0.01)

    def paced(self) -> None:
        """Wait until PACE_S has passed since the last touch or key press (the app keeps running)."""
        self.wait(max(0.0, self.last + PACE_S - time.monotonic()))
        self.last = time.monotonic()

    def tap(self, widget) -> None:
        self.paced()
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.wait(0.08)
        touch.touch_up()
        self.wait(0.05)
        self.touches += 1

    def drag(self, widget, dy_fraction: float, steps: int = 8) -> None:
        self.paced()
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y - widget.height * dy_fraction / 2)
        touch.touch_down()
        for step in range(1, steps + 1):
            self.wait(0.02)
            touch.touch_move(x, y - widget.height * dy_fraction / 2 + widget.height * dy_fraction * step / steps)
        touch.touch_up()
        self.wait(0.1)

    def button(self, text: str):
        """The enabled button showing `text` on the current screen (the bottom-right one if several)."""
        found = [w for w in self.app.root_box.walk(restrict=True)
                 if getattr(w, "text", None) == text and hasattr(w, "trigger_action") and not w.disabled]
        assert found, f"no enabled button {text!r} on {self.app.current.step_id}"
        return max(found, key=lambda w: (w.to_window(*w.pos)[0], -w.to_window(*w.pos)[1]))

    def tap_button(self, text: str) -> None:
        self.tap(self.button(text))

    def on(self, step_id: str, timeout: float = 20.0) -> None:
        self.until(lambda: self.app.current is not None and self.app.current.step_id == step_id, step_id, timeout)

    def read_to_the_end(self, action: str) -> None:
        """Scroll an agreement (content drags, as with a finger) until the agree button is enabled."""
        for _ in range(30):
            if any(getattr(w, "text", None) == action and not w.disabled for w in self.app.root_box.walk()):
                return
            scroll = next(w for w in self.app.root_box.walk(restrict=True) if type(w).__name__ == "ScrollView")
            self.drag(scroll, 0.8)
        raise AssertionError(f"{action!r} stayed disabled after scrolling to the end")


def test_full_bundle_journey_and_staff_console_at_human_pace(window, tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=FULL_BUNDLE, customer={"age": 35})) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行",
                       console_factory=lambda: ManagerConsole.from_runtime(
                           r.runtime, checks=lambda: device_checks(r.cfg, r.devices)))
        root = app.build()
        for child in list(window.children):
            window.remove_widget(child)
        window.add_widget(root)
        you, t = Person(app), Texts("zh_CN")
        try:
            you.on("idle")
            r.sims.scanner.show(r.customer.token)
            you.on("await_id_card")
            you.paced()
            r.sims.idcard.place_card(r.customer.card())
            you.on("review")
            you.tap_button(t.action("confirm"))
            you.on("tax_residency")
            you.tap_button(t.action("confirm"))
            you.on("risk_assessment")
            you.tap_button(t.action("confirm"))
            for index in (1, 2, 3):
                you.until(lambda i=index: app.current.step_id == "agreements" and app.current.data["index"] == i,
                          f"agreement {index}")
                you.read_to_the_end(t.action("agree"))
                you.tap_button(t.action("agree"))
            you.on("sensitive_consent")
            you.read_to_the_end(t.action("consent"))
            you.tap_button(t.action("consent"))
            you.on("signature")
            pad = next(w for w in root.walk(restrict=True) if type(w).__name__ == "SignaturePad")
            for start in (0.3, 0.6):
                you.paced()
                x, y = pad.to_window(pad.x + pad.width * start, pad.center_y)
                touch = UnitTestTouch(x, y)
                touch.touch_down()
                for step in range(1, 12):
                    you.wait(0.02)
                    touch.touch_move(x + step * pad.width * 0.02, y + (-1) ** step * pad.height * 0.1)
                touch.touch_up()
            you.tap_button(t.action("sign"))
            you.on("services")
            you.tap_button(t.action("confirm"))
            you.on("credit_card_product")  # the bank's cards from the service; a row's tap chooses
            you.tap(next(w for w in root.walk(restrict=True)
                         if str(getattr(w, "text", "")).startswith("金卡") and hasattr(w, "trigger_action")))
            you.on("credit_card_details")
            you.tap_button(t.value("income_band", "100k_300k"))
            you.tap_button(t.action("confirm"))
            you.on("credit_report_consent")
            you.read_to_the_end(t.action("consent"))
            you.tap_button(t.action("consent"))
            for phase in ("pin_first", "pin_confirm"):
                you.on(phase, timeout=30)
                for key in [*PIN, "enter"]:
                    you.paced()
                    r.sims.pinpad.press(key)
            you.until(lambda: r.sims.dispenser.snapshot()["gate"] is not None, "the card at the gate", 30)
            you.paced()
            r.sims.dispenser.take_card()
            you.on("ebanking_sms", timeout=30)  # the code texted to the phone, typed on the on-screen keypad
            code = re.search(r"[0-9]{6}", r.central.central.sms.last(r.customer.appointment["customer"]["phone"]).body)
            for key in code.group(0):
                you.tap_button(key)
            you.tap_button(t.action("confirm"))
            for phase in ("login_first", "login_confirm"):  # the login password: on the PIN pad, never the screen
                you.on(phase, timeout=30)
                for key in [*LOGIN_PASSWORD, "enter"]:
                    you.paced()
                    r.sims.pinpad.press(key)
            you.on("wechat_binding", timeout=30)
            you.tap_button(t.action("done"))
            you.on("official_account")
            you.tap_button(t.action("done"))
            you.on("thank_you")
            you.tap_button(t.action("done"))
            you.on("idle")
            ended = [e.record for e in journal.entries(r.runtime.db) if e.kind == "session_ended"]
            assert [e["outcome"] for e in ended] == ["completed"], ended
            evidence = evidence_of_last_session(r)  # what the bank keeps of the touches above
            assert len(evidence["signature"]["strokes"]) == 2
            assert [a["locale"] for a in evidence["agreements"]] == ["zh_CN"] * 3
            assert {c["consent_id"] for c in evidence["consents"]} == {"sensitive_consent",
                                                                         "credit_report_authorisation"}

            m = ManagerTexts("zh_CN")
            you.tap_button(t.action("staff_login"))
            you.until(lambda: isinstance(app._console_view, ConsoleView), "the console")
            console_view = app._console_view
            staff_digits = next(iter(STAFF)).lstrip("M").lstrip("0")
            for key in staff_digits:
                you.tap_button(key)
            you.tap(console_view.body.pin)
            for key in STAFF[next(iter(STAFF))]:
                you.tap_button(key)  # each touch ≥ 700 ms apart: the console's 1 s pulse runs in between
            assert console_view.body.pin.value == STAFF[next(iter(STAFF))], "slow typing survived the clock"
            you.tap_button(m.get("action", "login"))
            you.until(lambda: app.console.logged_in and console_view.screen.step_id == "manager_menu", "the menu")
            assert r.runtime.session.closed, "the kiosk is held closed while a manager works"
            you.tap_button(m.get("action", "devices"))
            you.until(lambda: console_view.screen.step_id == "manager_devices", "the devices")
            words = {getattr(w, "text", "") for w in console_view.walk(restrict=True)}
            assert m.get("device", "dispenser") in words and not any("=" in w for w in words)
            you.tap_button(m.get("action", "menu"))
            you.until(lambda: console_view.screen.step_id == "manager_menu", "the menu")
            you.tap_button(m.get("action", "stock"))
            you.until(lambda: console_view.screen.step_id == "manager_stock", "the stock")
            before = r.runtime.issuance.book.storage()["stack"]
            for key in "20":
                you.tap_button(key)
            you.tap_button(m.get("action", "refill"))
            you.until(lambda: r.runtime.issuance.book.storage()["stack"] == before + 20, "the refill")
            you.tap_button(m.get("action", "menu"))
            you.until(lambda: console_view.screen.step_id == "manager_menu", "the menu")
            you.tap_button(m.get("action", "logout"))
            you.until(lambda: not app.in_console and app.current.step_id == "idle", "the welcome screen")
            refills = [e.record for e in journal.entries(r.runtime.db) if e.kind == "manager_refill"]
            assert [(e["staff_id"], e["added"]) for e in refills] == [(next(iter(STAFF)), 20)]
            assert not r.runtime.session.closed
        finally:
            window.remove_widget(root)
            app.on_stop()
