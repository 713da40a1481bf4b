"""Real Kivy windows rendered offscreen: what a customer would see, checked from screenshots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from kiosk_app.flow.events import Touch
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.view import build_view

pytestmark = pytest.mark.ui


def render(window, screen: Screen, tmp_path: Path, locale: str = "zh_CN", post=None) -> tuple[Image.Image, object]:
    from kivy.base import EventLoop

    posted = post if post is not None else []
    view, _ = build_view(screen, Texts(locale), posted.append, bank_name="演示银行")
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(view)
    for _ in range(3):
        EventLoop.idle()
    shot = window.screenshot(name=str(tmp_path / f"{screen.step_id}.png"))
    return Image.open(shot).convert("RGB"), view


def test_wechat_qr_on_screen_decodes_to_the_link(window, tmp_path: Path) -> None:
    link = "https://pay.example.invalid/bind/AB12CD34"
    image, _ = render(window, Screen("wechat_binding", {"qr": link}, actions=("done",), timeout_s=90), tmp_path)
    found = zxingcpp.read_barcodes(np.asarray(image), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in found] == [link]


def test_error_banner_is_red_and_title_is_drawn(window, tmp_path: Path) -> None:
    image, _ = render(window, Screen("await_id_card", errors={"base": "id_expired"}, actions=("cancel",)), tmp_path)
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    red = (pixels[:, 0] > 150) & (pixels[:, 1] < 80) & (pixels[:, 2] < 80)
    dark = pixels.sum(axis=1) < 150
    assert red.sum() > 200, "the error text should be drawn in red"
    assert dark.sum() > 2000, "title and buttons should be drawn"


def test_chinese_text_renders_with_cjk_font(window, tmp_path: Path) -> None:
    """With Roboto, every CJK glyph is the same box; with the CJK font, different characters differ."""
    from kivy.core.text import Label as CoreLabel

    def glyph(text: str) -> bytes:
        label = CoreLabel(text=text, font_size=40)
        label.refresh()
        return bytes(label.texture.pixels)

    assert glyph("开") != glyph("户")


def test_action_buttons_post_touches(window, tmp_path: Path) -> None:
    posted: list = []
    _, view = render(window, Screen("review", {"customer": {"name": "张*"}, "account_class": 2,
                                               "pick_lists": {"occupation": ["employee", "student"]},
                                               "keypad_fields": {"phone": 11}},
                                    actions=("confirm", "edit", "cancel", "class1")), tmp_path, post=posted)
    buttons = [w for w in view.walk() if getattr(w, "text", None) == Texts().action("confirm")]
    buttons[0].trigger_action(0)
    assert posted == [Touch("confirm")]


def test_every_step_renders_in_both_languages(window, tmp_path: Path) -> None:
    samples = [
        Screen("idle", {"prompt": "scan_qr"}, actions=("walk_in",)),
        Screen("services", {"selected": ["mobile_banking"], "available": ["mobile_banking", "credit_card"],
                            "refused": ["credit_card_under_18"]}, actions=("toggle", "confirm", "cancel")),
        Screen("risk_redo", {"question": "q2", "choices": ["A", "B", "C"]}, actions=("answer", "cancel")),
        Screen("staff_needed", {"reason": "identity_doubt"}, errors={"base": "identity_doubt"}, actions=("cancel",),
               staff_message="Identity verification: no match"),
        Screen("signature", actions=("sign", "cancel")),
        Screen("still_there", {"resume": "review", "extensions_left": 9}, actions=("extend", "cancel"), timeout_s=30),
        Screen("thank_you", {"card": "622202******0123", "services": ["mobile_banking"]}, actions=("done",)),
    ]
    for locale in ("zh_CN", "en"):
        for screen in samples:
            image, _ = render(window, screen, tmp_path, locale)
            assert image.size == (1024, 768)


def test_agreement_text_comes_from_the_banks_assets(window, tmp_path: Path) -> None:
    _, view = render(window, Screen("agreements", {"agreement": "account_agreement", "index": 1, "count": 3},
                                    actions=("agree", "cancel")), tmp_path)
    texts = " ".join(getattr(w, "text", "") for w in view.walk())
    assert "1/3" in texts and "Ⅱ类账户" in texts and "不出租、出借、出售账户" in texts
