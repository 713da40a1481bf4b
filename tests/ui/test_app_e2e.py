"""The whole app on a rehearsal kiosk, rendered offscreen: the QR scan and the ID card drive real screens,
touches on real buttons move the journey, and the staff button opens the lobby manager's console."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk_app.demo.environment import STAFF, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.devices_checks import device_checks
from kiosk_app.flow.manager import ManagerConsole, ManagerLogin
from kiosk_app.ui.app import KioskApp

pytestmark = pytest.mark.ui


def pump(until, timeout: float = 15.0) -> None:
    from kivy.base import EventLoop

    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("the window did not reach the expected state")
        EventLoop.idle()
        time.sleep(0.01)


def press(app: KioskApp, text: str) -> None:
    buttons = [w for w in app.root_box.walk() if getattr(w, "text", None) == text and hasattr(w, "trigger_action")]
    assert buttons, f"no button {text!r} on screen"
    buttons[0].trigger_action(0)


def test_app_runs_a_journey_start_and_opens_the_console(window, tmp_path: Path) -> None:
    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行",
                       console_factory=lambda: ManagerConsole.from_runtime(
                           r.runtime, checks=lambda: device_checks(r.cfg, r.devices)))
        root = app.build()
        for child in list(window.children):
            window.remove_widget(child)
        window.add_widget(root)
        try:
            pump(lambda: app.current.step_id == "idle")
            r.sims.scanner.show(r.customer.token)
            pump(lambda: app.current.step_id == "await_id_card")
            r.sims.idcard.place_card(r.customer.card())
            pump(lambda: app.current.step_id == "review")
            shot = Image.open(window.screenshot(name=str(tmp_path / "review.png"))).convert("RGB")
            assert np.asarray(shot).std() > 10  # something is drawn
            press(app, app.texts.action("cancel"))
            pump(lambda: app.current.step_id == "idle")
            press(app, app.texts.action("staff_login"))
            pump(lambda: app.in_console)
            staff_id, pin = next(iter(STAFF.items()))
            app._console_post(ManagerLogin(staff_id, pin))
            pump(lambda: app.console.logged_in)
            console = Image.open(window.screenshot(name=str(tmp_path / "console.png"))).convert("RGB")
            assert np.asarray(console).std() > 10
            assert r.runtime.session.closed  # the kiosk is held closed while a manager works
        finally:
            window.remove_widget(root)
