"""The lobby manager's console rendered in a real Kivy window offscreen, checked from screenshots."""

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
from kiosk_app.ui.manager_view import ManagerTexts, build_manager_view

pytestmark = pytest.mark.ui

URL = "https://mp.example.invalid/official-account"
STOCK = {"stock": {"counted": 0, "sensor": "low", "low": True},
         "bin": {"counted": 0, "device_counter": 3, "full": False}, "open_cards": [], "mismatches": ["bin", "stock"]}


def render(window, screen: Screen, tmp_path: Path, locale: str = "zh_CN", post=None) -> tuple[Image.Image, object]:
    from kivy.base import EventLoop

    view = build_manager_view(screen, (post if post is not None else []).append, locale=locale)
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(view)
    for _ in range(3):
        EventLoop.idle()
    shot = window.screenshot(name=str(tmp_path / f"{screen.step_id}.png"))
    return Image.open(shot).convert("RGB"), view


def red_pixels(image: Image.Image) -> int:
    p = np.asarray(image).reshape(-1, 3).astype(int)
    return int(((p[:, 0] > 150) & (p[:, 1] < 80) & (p[:, 2] < 80)).sum())


def green_pixels(image: Image.Image) -> int:
    p = np.asarray(image).reshape(-1, 3).astype(int)
    return int(((p[:, 1] > 100) & (p[:, 0] < 60) & (p[:, 2] < 90)).sum())


def button(view, text: str):
    return next(w for w in view.walk() if getattr(w, "text", None) == text and hasattr(w, "trigger_action"))


def test_login_posts_staff_id_and_pin(window, tmp_path: Path) -> None:
    posted: list = []
    _, view = render(window, Screen("manager_login", actions=("login", "leave")), tmp_path, post=posted)
    staff_id, pin = next(w for w in view.walk() if hasattr(w, "inputs")).inputs
    staff_id.text, pin.text = "M001", "246810"
    button(view, ManagerTexts().get("action", "login")).trigger_action(0)
    button(view, ManagerTexts().get("action", "leave")).trigger_action(0)
    assert posted == [ManagerLogin("M001", "246810"), ManagerAction("leave")]


def test_stock_mismatch_is_red_and_refill_posts_the_count(window, tmp_path: Path) -> None:
    posted: list = []
    clean, _ = render(window, Screen("manager_stock", {**STOCK, "mismatches": []},
                                     actions=("refill", "empty_bin", "menu")), tmp_path, post=[])
    flagged, view = render(window, Screen("manager_stock", STOCK, errors={"stock": "stock_sensor_not_empty",
                                                                          "bin": "bin_counter_differs"},
                                          actions=("refill", "empty_bin", "menu")), tmp_path, post=posted)
    assert red_pixels(flagged) > red_pixels(clean) + 300, "mismatched counts and their messages are red"
    next(w for w in view.walk() if hasattr(w, "count_input")).count_input.text = "20"
    button(view, ManagerTexts().get("action", "refill")).trigger_action(0)
    button(view, ManagerTexts().get("action", "card_removed")).trigger_action(0)
    assert posted == [ManagerAction("refill", 20), ManagerAction("clear_jam", True)]


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


def test_device_lines_green_when_ok_red_when_failing(window, tmp_path: Path) -> None:
    devices = [{"name": "printer", "ok": True}, {"name": "dispenser", "ok": False}]
    lines = ["OK   printer    emulator  /dev/pts/5  online  paper=full cover=closed",
             "FAIL dispenser  emulator  /dev/pts/3  hardwareError  error=mediaJam action=needsStaff"]
    image, _ = render(window, Screen("manager_devices", {"devices": devices, "lines": lines},
                                     errors={"dispenser": "device_fault"}, actions=("menu",)), tmp_path)
    assert red_pixels(image) > 300 and green_pixels(image) > 300


def test_every_console_screen_renders_in_both_languages(window, tmp_path: Path) -> None:
    samples = [
        Screen("manager_login", errors={"base": "staff_locked"}, actions=("login", "leave")),
        Screen("manager_menu", {"staff_id": "M001", "kiosk": "closed"},
               actions=("devices", "stock", "clear_jam", "receipt", "reprint", "sessions", "logout", "open")),
        Screen("manager_stock", STOCK, actions=("refill", "recount", "empty_bin", "clear_jam", "menu")),
        Screen("manager_receipt", {"lines": ["卡号 Card：621700******0017"], "printed": False},
               errors={"preview": "preview_unavailable"}, actions=("reprint", "menu")),
        Screen("manager_sessions", {"date": "2025-01-01", "total": 3, "cards_issued": 1,
                                    "by_outcome": {"completed": 1, "refused:card_jam": 1, "cancelled": 1},
                                    "by_kind": {}}, actions=("menu",)),
        Screen("manager_refused", errors={"base": "session_running"}, actions=("menu", "logout")),
    ]
    for locale in ("zh_CN", "en"):
        for screen in samples:
            image, _ = render(window, screen, tmp_path, locale)
            assert image.size == (1024, 768)
            assert np.asarray(image).reshape(-1, 3).sum(axis=1).min() < 150, f"{screen.step_id} draws text"
