"""The demo with a display: the touchscreen app on a rehearsal kiosk; keys play the customer's hands.

F1 shows the appointment QR to the scanner, F2 puts the ID card on the reader, F3 enters the PIN 258036
twice on the PIN pad, F4 takes the card from the gate. Everything else is touched on screen.
"""

from __future__ import annotations

import logging
from pathlib import Path

from central_service.staff.directory import StaffDirectory
from central_service.staff.seed import demo_sign_in_lines, seed_staff
from kiosk_app.config.model import Display
from kiosk_app.demo.environment import BRANCH, rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.devices_checks import device_checks
from kiosk_app.flow.manager import ManagerConsole

log = logging.getLogger(__name__)
HELP = "F1 scan QR · F2 place ID card · F3 PIN on the pad · F4 take the card · Ctrl+Shift+Q quits"


def run_window(workdir: Path) -> None:
    """Blocks until the window is closed."""
    from kiosk_app.ui.window import configure_window

    # A window on the developer's desktop, with a way out (Ctrl+Shift+Q); the kiosk's own config is fullscreen.
    configure_window(Display(fullscreen=False, mode="demo"))
    from kivy.core.window import Window

    from kiosk_app.ui.app import KioskApp
    from kiosk_app.ui.voice import VoicePlayer

    setup = Setup(services=["mobile_banking", "online_banking", "credit_card", "wechat_binding",
                            "follow_official_account"])
    with rehearsal(workdir, setup) as r:
        print(f"rehearsal kiosk ready; {HELP}")
        r.central.central.sms.echo = print  # type: ignore[union-attr]  # the phone's sign-in codes, here
        print(f"the customer's phone pages (sign-in codes are printed here): {r.central.url}/phone/")
        for line in demo_sign_in_lines(r.central.url, seed_staff(StaffDirectory(r.central.store.db), [BRANCH])):
            print(line)  # the counter and the floor view of the same branch, in a browser beside the kiosk
        actions = {
            282: lambda: r.sims.scanner.show(r.customer.token),
            283: lambda: r.sims.idcard.place_card(r.customer.card()),
            284: lambda: r.sims.pinpad.press("258036", "enter", "258036", "enter"),
            285: lambda: r.sims.dispenser.snapshot()["gate"] and r.sims.dispenser.take_card(),
        }

        def on_key(window, key, *args):
            if key in actions:
                actions[key]()
                return True
            return False

        Window.bind(on_key_down=on_key)
        host = r.runtime.host
        console = lambda: ManagerConsole.from_runtime(r.runtime, checks=lambda: device_checks(r.cfg, r.devices))  # noqa: E731
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host,
                       bank_name=r.cfg.branding.bank_name_local, console_factory=console, production=False,
                       voice=VoicePlayer())
        app.run()
