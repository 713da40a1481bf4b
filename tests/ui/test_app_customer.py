"""The real app on a rehearsal kiosk (real emulators, real central service on loopback), rendered offscreen:
the customer's switches hold for the session and the next customer starts in the kiosk's defaults; each
screen speaks its prompt in the customer's language."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from kiosk_app.demo.environment import rehearsal
from kiosk_app.demo.script import Setup
from kiosk_app.ui import voice
from kiosk_app.ui.app import KioskApp
from kiosk_app.ui.texts import Texts

pytestmark = pytest.mark.ui


def pump(until, timeout: float = 15.0) -> None:
    from kivy.base import EventLoop

    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError("the window did not reach the expected state")
        EventLoop.idle()
        time.sleep(0.01)


def tap(app: KioskApp, text: str) -> None:
    buttons = [w for w in app.root_box.walk() if getattr(w, "text", None) == text and hasattr(w, "trigger_action")]
    assert buttons, f"no button {text!r} on screen"
    buttons[0].trigger_action(0)


def words(app: KioskApp) -> list[str]:
    return [w.text for w in app.root_box.walk() if isinstance(getattr(w, "text", None), str)]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (./dev setup)")
def test_language_and_large_text_last_for_one_customer_and_prompts_follow_the_language(window,
                                                                                      tmp_path: Path) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    prompts = tmp_path / "voice"
    voice.generate(prompts)
    player = voice.VoicePlayer(prompts)
    played: list[Path | None] = []
    original_play = player.play
    player.play = lambda locale, step: played.append(original_play(locale, step)) or played[-1]  # type: ignore
    with rehearsal(tmp_path / "kiosk", Setup(services=["mobile_banking"])) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行", voice=player)
        root = app.build()
        for child in list(window.children):
            window.remove_widget(child)
        window.add_widget(root)
        try:
            pump(lambda: app.current.step_id == "idle")
            r.sims.scanner.show(r.customer.token)
            pump(lambda: app.current.step_id == "await_id_card")
            assert played[-1] == voice.prompt_path(prompts, "zh_CN", "await_id_card")
            tap(app, "English")
            assert app.texts.locale == "en" and Texts("en").title("await_id_card") in words(app)
            assert played[-1] == voice.prompt_path(prompts, "en", "await_id_card")
            tap(app, Texts("en").get("large_text_on"))
            assert app.theme.large_text and app.theme.high_contrast
            r.sims.idcard.place_card(r.customer.card())
            pump(lambda: app.current.step_id == "review")
            assert Texts("en").title("review") in words(app)  # the choice holds for the session
            assert played[-1] == voice.prompt_path(prompts, "en", "review")
            tap(app, Texts("en").action("cancel"))
            pump(lambda: app.current.confirm == "cancel" or app.current.step_id == "idle")
            if app.current.step_id != "idle":
                tap(app, Texts("en").get("cancel_yes"))
            pump(lambda: app.current.step_id == "idle")
            assert app.texts.locale == "zh_CN" and not app.theme.large_text  # the next customer: defaults
            assert Texts("zh_CN").title("idle") in words(app)
        finally:
            window.remove_widget(root)
            host.close()


def test_a_foreign_permanent_resident_card_is_offered_english_on_the_details(window, tmp_path: Path) -> None:
    from kiosk_app.demo.script import Customer

    with rehearsal(tmp_path, Setup(services=["mobile_banking"], customer=Customer(card_type="foreigner_2023"))) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行")
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
            assert app.current.data.get("offer_english") is True
            tap(app, "English")
            assert Texts("en").title("review") in words(app)
        finally:
            window.remove_widget(root)
            host.close()


def test_pin_keys_update_the_counter_in_place_and_a_new_entry_redraws(window, tmp_path: Path) -> None:
    from kiosk_app.flow.screens import Screen
    from kiosk_app.ui.chrome import Spinner, every_spinner
    from kiosk_app.ui.pin_counter import PinCounter

    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行")
        root = app.build()
        try:
            app.show(Screen("dispensing"))
            spinner = next(w for w in app.root_box.walk() if isinstance(w, Spinner))
            before = spinner.angle
            every_spinner(app.root_box)(0.1)
            assert spinner.angle != before  # the machine step moves
            app.show(Screen("pin_first", {"digits": 0, "length": 6, "entry": 1}, timeout_s=30))
            counter = next(w for w in app.root_box.walk() if isinstance(w, PinCounter))
            for digits in range(1, 7):
                app.show(Screen("pin_first", {"digits": digits, "length": 6, "entry": 1}, timeout_s=30))
            assert next(w for w in app.root_box.walk() if isinstance(w, PinCounter)) is counter
            assert counter.text == "●●●●●●"
            app.show(Screen("pin_confirm", {"digits": 0, "length": 6, "entry": 2}, timeout_s=30))
            second = next(w for w in app.root_box.walk() if isinstance(w, PinCounter))
            assert second is not counter and second.text == "○○○○○○"
            assert Texts().get("pin_entry_second") in words(app)
        finally:
            host.close()
            del root


def test_the_clock_turns_the_spinner_and_a_replaced_screen_is_freed_once_the_new_one_is_drawn(window,
                                                                                              tmp_path: Path) -> None:
    """The spinner turns by itself (the app's per-frame clock event); the screen the customer left is a cyclic
    widget tree that only the collector frees: the app collects it just after the switch (ui/garbage.py)."""
    import weakref

    from kiosk_app.flow.screens import Screen
    from kiosk_app.ui.chrome import Spinner

    with rehearsal(tmp_path, Setup(services=["mobile_banking"])) as r:
        host = r.runtime.host
        app = KioskApp(lambda on_screen: host.add_listener(on_screen) or host, bank_name="演示银行")
        root = app.build()
        window.add_widget(root)
        try:
            app.show(Screen("dispensing"))
            spinners = [w for w in app.root_box.walk() if isinstance(w, Spinner)]
            start = spinners[0].angle
            pump(lambda: spinners[0].angle != start, timeout=3.0)
            left = weakref.ref(app.root_box.children[-1])
            spinners.clear()  # the test holds no widget of the old screen
            app.show(Screen("printing"))
            pump(lambda: left() is None, timeout=3.0)
        finally:
            window.remove_widget(root)
            host.close()
