"""The journey's lobby-manager steps drawn in the customer's frame: login on the keypad, what the manager checks,
and the closed kiosk."""

from __future__ import annotations

import io

import pytest
from PIL import Image as PilImage

from kiosk_app.flow.events import StaffAuth
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.view import build_view

pytestmark = pytest.mark.ui
T = Texts("zh_CN")


def shown(window, screen: Screen, posted: list):
    from kivy.base import EventLoop

    view, _ = build_view(screen, T, posted.append, bank_name="演示银行")
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(view)
    for _ in range(3):
        EventLoop.idle()
    return view


def test_the_manager_logs_in_on_the_keypad_while_the_customer_reads_help_is_coming(window) -> None:
    posted: list = []
    view = shown(window, Screen("staff_needed", {"reason": "onsite_identity"}, errors={"base": "onsite_identity"},
                                actions=("cancel",)), posted)
    words = {getattr(w, "text", "") for w in view.walk(restrict=True)}
    assert T.get("staff_calling") in words and T.error("onsite_identity") in words
    panel = next(w for w in view.walk(restrict=True) if hasattr(w, "keypad"))
    staff_id, pin = panel.fields
    assert staff_id.active, "the staff id field takes the digits first"
    panel.keypad.key_button("1").trigger_action(0)
    pin.trigger_action(0)
    for key in "246810":
        panel.keypad.key_button(key).trigger_action(0)
    panel.login.trigger_action(0)
    assert posted == [StaffAuth("M001", "246810")]
    assert "246810" not in {getattr(w, "text", "") for w in view.walk(restrict=True)}


def test_the_approval_screen_shows_the_reason_the_masked_customer_and_the_photo(window) -> None:
    photo = io.BytesIO()
    PilImage.new("RGB", (102, 126), (200, 180, 160)).save(photo, "PNG")
    data = {"reason": "under_age", "staff_id": "M001", "path": "appointment", "age": 15, "photo": photo.getvalue(),
            "customer": {"name": "李*", "id_number": "110101********0018"}}
    view = shown(window, Screen("staff_decide", data, actions=("approve", "decline")), [])
    words = {getattr(w, "text", "") for w in view.walk(restrict=True)}
    assert {T.staff("under_age"), "李*", "110101********0018", "15 岁", "预约开户"} <= words
    assert any(type(w).__name__ == "Image" and w.texture is not None for w in view.walk(restrict=True))
    without = shown(window, Screen("staff_decide", {**data, "photo": None}, actions=("approve", "decline")), [])
    assert T.get("staff_photo_missing") in {getattr(w, "text", "") for w in without.walk(restrict=True)}


def test_closed_means_closed(window) -> None:
    view = shown(window, Screen("closed"), [])
    words = {getattr(w, "text", "") for w in view.walk(restrict=True)}
    assert T.get("closed_banner") in words and T.action("walk_in") not in words


def test_the_customer_reads_the_floor_answer_to_the_staff_call(window) -> None:
    for answer, key in (("acknowledged", "help_acknowledged"), ("on_way", "help_on_way")):
        view = shown(window, Screen("staff_needed", {"reason": "card_jam", "help": answer},
                                    errors={"base": "card_jam"}, actions=("cancel",)), [])
        words = {getattr(w, "text", "") for w in view.walk(restrict=True)}
        assert T.get(key) in words and T.get("staff_calling") not in words
