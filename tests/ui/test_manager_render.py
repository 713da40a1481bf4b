"""The lobby manager's console rendered in a real Kivy window offscreen, checked from screenshots and the tree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from drivers.printer import Masked, ReceiptTemplate
from drivers.printer.preview import render_png
from kiosk_app.assets import asset
from kiosk_app.flow.manager import ManagerAction, ManagerLogin
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.manager_view import ConsoleView, build_manager_view
from kiosk_app.ui.texts import ManagerTexts

pytestmark = pytest.mark.ui

URL = "https://mp.example.invalid/official-account"
STOCK = {"stock": {"counted": 0, "sensor": "low", "low": True, "low_threshold": 20, "severity": "fault"},
         "bin": {"counted": 0, "device_counter": 3, "full": False, "warn_threshold": 40, "severity": "ok"},
         "open_cards": [], "mismatches": ["bin", "stock"]}
T = ManagerTexts()


def pump(frames: int = 3) -> None:
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def render(window, screen: Screen, tmp_path: Path, locale: str = "zh_CN", post=None) -> tuple[Image.Image, object]:
    view = build_manager_view(screen, (post if post is not None else []).append, locale=locale)
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(view)
    pump()
    shot = window.screenshot(name=str(tmp_path / f"{screen.step_id}.png"))
    return Image.open(shot).convert("RGB"), view


def red_pixels(image: Image.Image) -> int:
    p = np.asarray(image).reshape(-1, 3).astype(int)
    return int(((p[:, 0] > 140) & (p[:, 1] < 80) & (p[:, 2] < 80)).sum())


def green_pixels(image: Image.Image) -> int:
    p = np.asarray(image).reshape(-1, 3).astype(int)
    return int(((p[:, 1] > 100) & (p[:, 0] < 60) & (p[:, 2] < 90)).sum())


def button(view, text: str):
    return next(w for w in view.walk() if getattr(w, "text", None) == text and hasattr(w, "trigger_action"))


def test_login_is_typed_on_the_keypad_and_survives_clock_pulses(window, tmp_path: Path) -> None:
    posted: list = []
    screen = Screen("manager_login", actions=("login", "leave"))
    _, view = render(window, screen, tmp_path, post=posted)
    staff_id, pin = view.body.inputs
    for key in "1":
        view.body.keypad.key_button(key).trigger_action(0)
    view.show(screen)  # the console's 1 s pulse hands back the same screen: nothing may be lost
    pin.trigger_action(0)  # touch the PIN field, then type there
    for key in "2468109":
        view.body.keypad.key_button(key).trigger_action(0)
    view.body.keypad.key_button("back").trigger_action(0)
    assert (staff_id.value, pin.value) == ("1", "246810")
    assert "246810" not in pin.text and "●●●●●●" in pin.text, "the PIN shows as dots"
    button(view, T.get("action", "login")).trigger_action(0)
    button(view, T.get("action", "leave")).trigger_action(0)
    assert posted == [ManagerLogin("M001", "246810"), ManagerAction("leave")]

    body = view.body
    view.show(Screen("manager_login", errors={"base": "staff_auth_failed"}, actions=("login", "leave")))
    assert view.body is body, "a refused login updates the page in place"
    assert (staff_id.value, pin.value) == ("1", "") and pin.active
    assert T.get("error", "staff_auth_failed") in view.errors.text


def test_stock_severity_colours_and_refill_count_from_the_keypad(window, tmp_path: Path) -> None:
    posted: list = []
    ok = {"stock": {**STOCK["stock"], "counted": 80, "sensor": "ok", "severity": "ok"},
          "bin": {**STOCK["bin"], "device_counter": 0}, "open_cards": [], "mismatches": []}
    clean, _ = render(window, Screen("manager_stock", ok, actions=("refill", "empty_bin", "menu")), tmp_path)
    flagged, view = render(window, Screen("manager_stock", STOCK, errors={"stock": "stock_sensor_not_empty",
                                                                          "bin": "bin_counter_differs"},
                                          actions=("refill", "empty_bin", "menu")), tmp_path, post=posted)
    assert red_pixels(flagged) > red_pixels(clean) + 300, "mismatched counts and their messages are red"
    assert green_pixels(clean) > 100, "a healthy stock is green"
    for key in "20":
        view.body.keypad.key_button(key).trigger_action(0)
    button(view, T.get("action", "refill")).trigger_action(0)
    button(view, T.get("action", "card_removed")).trigger_action(0)
    assert posted == [ManagerAction("refill", 20), ManagerAction("clear_jam", True)]

    body = view.body
    view.show(Screen("manager_stock", ok, actions=("refill", "empty_bin", "menu")))
    assert view.body is body and view.body.count.value == "", "counts updated in place, the count field cleared"
    assert view.body.rows["stock"].value.text == T.get("text", "stock_line").format(count=80)


def test_receipt_preview_on_screen_shows_the_official_account_qr(window, tmp_path: Path) -> None:
    template = ReceiptTemplate.from_text(asset("receipts", "account_opening.txt").read_text(encoding="utf-8"))
    receipt = template.render({"bank_name": "演示银行", "card_number": Masked("621700******0017", "pan"),
                               "account_class": "Ⅱ类", "services": "借记卡", "path": "预约", "date": "2025-01-01",
                               "reference": "S-1234abcd", "official_account_url": URL})
    screen = Screen("manager_receipt", {"lines": receipt.plain_text().splitlines(), "png": render_png(receipt),
                                        "printed": True}, actions=("reprint", "menu"))
    image, _ = render(window, screen, tmp_path)
    found = zxingcpp.read_barcodes(np.asarray(image), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in found] == [URL]


def test_devices_in_words_coloured_by_severity(window, tmp_path: Path) -> None:
    health = [{"name": "printer", "state": "online", "severity": "ok", "advice": "none"},
              {"name": "dispenser", "state": "online", "severity": "warning", "advice": "refill_stock"},
              {"name": "pinpad", "state": "hardwareError", "severity": "fault", "advice": "restart"}]
    screen = Screen("manager_devices", {"devices": [], "lines": [], "health": health},
                    errors={"pinpad": "device_fault"}, actions=("clear_jam", "stock", "menu"))
    image, view = render(window, screen, tmp_path)
    words = {w.text for w in view.walk() if hasattr(w, "text")}
    assert {"凭条打印机", "发卡机", "密码键盘", "卡片不足，请补卡"} <= words
    assert not any("stock=" in w or "hardwareError" in w for w in words)
    assert red_pixels(image) > 300 and green_pixels(image) > 100
    state = view.body.rows["dispenser"][1]
    assert tuple(round(c, 2) for c in state.color[:3]) == (0.54, 0.35, 0.0), "a warning is amber, never green"


def test_console_view_is_not_rebuilt_by_the_clock(window, tmp_path: Path) -> None:
    screen = Screen("manager_menu", {"staff_id": "M001", "kiosk": "open"},
                    actions=("devices", "stock", "logout", "close"))
    view = ConsoleView([].append)
    view.show(screen)
    before = list(view.walk(restrict=True))
    for _ in range(5):
        view.show(screen)
    assert list(view.walk(restrict=True)) == before
    view.show(Screen("manager_menu", {"staff_id": "M001", "kiosk": "closed"},
                     actions=("devices", "stock", "logout", "close")))
    assert view.body.kiosk.value.text == T.get("field", "closed")
