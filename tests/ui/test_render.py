"""Real Kivy windows rendered offscreen: what a customer would see, checked from screenshots."""

from __future__ import annotations

from itertools import pairwise
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


# --- the design system on real panels: both orientations, both languages -------------------------------------

PANELS = [(1920, 1080), (1080, 1920)]
SAMPLES = [
    Screen("idle", {"prompt": "scan_qr"}, actions=("walk_in",)),
    Screen("await_id_card", {"path": "appointment"}, actions=("cancel",), timeout_s=90),
    Screen("review", {"customer": {"name": "张三", "id_number": "1101**********1234", "phone": "138****5678",
                                   "occupation": "20000", "address": "北京市朝阳区某某路1号"},
                      "account_class": 2, "pick_lists": {"occupation": ["10000", "20000", "30000"]},
                      "keypad_fields": {"phone": 11}}, actions=("confirm", "edit", "cancel", "class1"), timeout_s=90),
    Screen("tax_residency", {"declaration": {"status": "china_only"}}, actions=("confirm", "cancel"), timeout_s=90),
    Screen("risk_assessment", {"answers": {"q1": "B", "q2": "C", "q3": "A", "q4": "B", "q5": "C", "q6": "B"},
                               "score": 20, "level": "C3"}, actions=("confirm", "redo", "cancel"), timeout_s=90),
    Screen("risk_redo", {"question": "q2", "choices": ["A", "B", "C", "D", "E"]}, actions=("answer", "cancel")),
    Screen("agreements", {"agreement": "account_agreement", "index": 1, "count": 3}, actions=("agree", "cancel")),
    Screen("signature", actions=("sign", "cancel"), timeout_s=90),
    Screen("services", {"selected": ["mobile_banking"], "available": ["mobile_banking", "online_banking",
                                                                      "credit_card", "wechat_pay"], "refused": []},
           actions=("toggle", "confirm", "cancel")),
    Screen("pin_confirm", {"digits": 4}, timeout_s=30),
    Screen("dispensing"),
    Screen("take_card", timeout_s=30),
    Screen("official_account", {"qr": "https://mp.example.invalid/oa"}, actions=("done",)),
    Screen("thank_you", {"card": "622202******0123", "services": ["mobile_banking"]}, actions=("done",), timeout_s=15),
]


@pytest.fixture(params=PANELS, ids=["landscape", "portrait"])
def panel(request, window):
    from kivy.base import EventLoop

    window.size = request.param
    EventLoop.idle()
    yield window
    window.size = (1024, 768)
    EventLoop.idle()


def _themed(window, screen: Screen, locale: str, post=None, **access):
    from kivy.base import EventLoop

    from kiosk_app.ui.theme import Theme
    from kiosk_app.ui.view import Controls

    theme = Theme.create(window_size=tuple(window.size)).with_access(
        large_text=access.get("large", False), high_contrast=access.get("large", False))
    view, countdown = build_view(screen, Texts(locale), (post if post is not None else []).append,
                                 bank_name="演示银行", theme=theme, controls=Controls(**access.get("controls", {})))
    for child in list(window.children):
        window.remove_widget(child)
    window.add_widget(view)
    for _ in range(4):
        EventLoop.idle()
    return view, countdown, theme


def _parents(widget):
    while widget.parent is not None and widget.parent is not widget:
        widget = widget.parent
        yield widget


def _inside(widget, window) -> bool:
    x, y = widget.to_window(*widget.pos)
    return x >= -1 and y >= -1 and x + widget.width <= window.width + 1 and y + widget.height <= window.height + 1


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_sample_on_both_panels_keeps_sizes_targets_and_stays_on_screen(panel, locale: str) -> None:
    from kivy.uix.button import Button
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    for screen in SAMPLES:
        view, _, theme = _themed(panel, screen, locale)
        buttons = [w for w in view.walk() if isinstance(w, Button) and w.get_root_window() is not None]
        assert buttons or screen.step_id in ("dispensing", "take_card", "pin_confirm")
        for button in buttons:
            assert button.height >= 80 * theme.scale - 0.5, (screen.step_id, button.text, button.height)
            scrolled = any(isinstance(p, ScrollView) for p in _parents(button))
            assert scrolled or _inside(button, panel), (screen.step_id, button.text)
        for label in (w for w in view.walk() if isinstance(w, Label) and w.text and not isinstance(w, Button)):
            assert label.font_size >= 32 * theme.scale - 0.5, (screen.step_id, label.text, label.font_size)
        rows = [w for w in view.walk() if hasattr(w, "kind") and w.parent is not None and
                w.parent.__class__.__name__ == "BoxLayout" and w.height == theme.space("target")]
        for a, b in pairwise(rows):
            if a.parent is b.parent and abs(a.y - b.y) < 1:
                assert abs(a.x - b.x) - (b.width if b.x < a.x else a.width) >= 8 * theme.scale


def test_primary_is_bottom_right_and_cancel_bottom_left(window, tmp_path: Path) -> None:
    view, _, _ = _themed(window, SAMPLES[2], "zh_CN")
    by_text = {w.text: w for w in view.walk() if hasattr(w, "kind")}
    confirm, cancel = by_text[Texts().action("confirm")], by_text[Texts().action("cancel")]
    assert confirm.kind == "primary" and cancel.kind == "quiet"
    assert confirm.to_window(*confirm.pos)[0] > window.width / 2 > cancel.to_window(*cancel.pos)[0]
    assert [w.kind for w in by_text.values()].count("primary") == 1


def test_countdown_says_seconds_in_words(window) -> None:
    _, countdown, _ = _themed(window, SAMPLES[1], "zh_CN")
    countdown.seconds = 42
    assert countdown.text == "42 秒"
    _, countdown, _ = _themed(window, SAMPLES[1], "en")
    assert countdown.text == "90 seconds"


def test_agree_is_enabled_only_once_the_agreement_was_scrolled_to_the_end(window) -> None:
    from kivy.base import EventLoop
    from kivy.tests.common import UnitTestTouch

    from kiosk_app.ui.view_forms import ReadToEnd

    posted: list = []
    view, _, _ = _themed(window, SAMPLES[6], "zh_CN", posted)
    agree = next(w for w in view.walk() if getattr(w, "text", None) == Texts().action("agree"))
    reader = next(w for w in view.walk() if isinstance(w, ReadToEnd))
    assert agree.disabled and reader.scroll.children[0].height > reader.scroll.height
    tap = UnitTestTouch(*agree.to_window(*agree.center))
    tap.touch_down()
    tap.touch_up()
    assert posted == []  # a real tap on the disabled button does nothing
    reader.scroll.scroll_y = 0
    EventLoop.idle()
    assert not agree.disabled
    agree.trigger_action(0)
    assert posted == [Touch("agree", {"locale": "zh_CN"})]  # the language read is part of the evidence


def test_signature_draws_thick_ink_on_white_and_sign_again_clears(window, tmp_path: Path) -> None:
    from kivy.tests.common import UnitTestTouch

    from kiosk_app.ui.signature import SignaturePad

    posted: list = []
    view, _, theme = _themed(window, SAMPLES[7], "zh_CN", posted)
    pad = next(w for w in view.walk() if isinstance(w, SignaturePad))
    x, y = pad.to_window(*pad.center)
    touch = UnitTestTouch(x - 200, y)
    touch.touch_down()
    for step in range(1, 20):
        touch.touch_move(x - 200 + step * 20, y + (step % 5) * 10)
    touch.touch_up()
    for _ in range(3):
        from kivy.base import EventLoop

        EventLoop.idle()
    shot = np.asarray(Image.open(window.screenshot(name=str(tmp_path / "signed.png"))).convert("RGB")).astype(int)
    px, py = int(x - 100), int(window.height - y)
    assert shot[py - 60:py + 60, px - 60:px + 60].sum(axis=2).min() < 200  # dark ink
    assert pad.stroke_width >= 6 * theme.scale and pad.strokes
    next(w for w in view.walk() if getattr(w, "text", None) == Texts().get("sign_again")).trigger_action(0)
    assert pad.strokes == []
    next(w for w in view.walk() if getattr(w, "text", None) == Texts().action("sign")).trigger_action(0)
    assert posted == [Touch("sign", [])]


def test_cancel_question_posts_cancel_or_keep(window, tmp_path: Path) -> None:
    posted: list = []
    screen = Screen("review", SAMPLES[2].data, actions=SAMPLES[2].actions, timeout_s=90, confirm="cancel")
    view, _, _ = _themed(window, screen, "zh_CN", posted)
    window.screenshot(name=str(tmp_path / "cancel_question.png"))
    texts = Texts()
    next(w for w in view.walk() if getattr(w, "text", None) == texts.get("cancel_keep_going")).trigger_action(0)
    next(w for w in view.walk() if getattr(w, "text", None) == texts.get("cancel_yes")).trigger_action(0)
    assert posted == [Touch("keep"), Touch("cancel")]


def test_services_show_a_check_mark_on_the_chosen_ones(window) -> None:
    from kiosk_app.ui.icons import Icon

    posted: list = []
    view, _, _ = _themed(window, SAMPLES[8], "zh_CN", posted)
    marks = {w.parent.text: w.name for w in view.walk() if isinstance(w, Icon) and w.name in ("check", "unchecked")}
    assert marks[Texts().service("mobile_banking")] == "check"
    assert marks[Texts().service("credit_card")] == "unchecked"
    next(w for w in view.walk() if getattr(w, "text", None) == Texts().service("credit_card")).trigger_action(0)
    assert posted == [Touch("toggle", "credit_card")]


def test_risk_screens_say_answers_and_level_in_words(window) -> None:
    posted: list = []
    view, _, _ = _themed(window, SAMPLES[4], "zh_CN", posted)
    words = " ".join(getattr(w, "text", "") for w in view.walk())
    assert "C3 平衡型" in words and "混合型基金" in words and "1. 您的投资经验" in words and "1年以内" in words
    view, _, _ = _themed(window, SAMPLES[5], "en", posted)
    words = " ".join(getattr(w, "text", "") for w in view.walk())
    assert "Question 2 of 6" in words and "E.  High returns, accepting large risks" in words
    next(w for w in view.walk() if getattr(w, "choice", None) == "D").trigger_action(0)
    assert posted == [Touch("answer", "D")]


def test_tax_choice_is_sent_with_confirm(window) -> None:
    posted: list = []
    view, _, _ = _themed(window, SAMPLES[3], "zh_CN", posted)
    assert "税收居民" in " ".join(getattr(w, "text", "") for w in view.walk())
    next(w for w in view.walk() if getattr(w, "choice", None) == "other_only").trigger_action(0)
    next(w for w in view.walk() if getattr(w, "text", None) == Texts().action("confirm")).trigger_action(0)
    assert posted == [Touch("confirm", {"status": "other_only"})]


def test_occupation_picker_marks_the_current_choice_and_sends_the_edit(window) -> None:
    from kivy.base import EventLoop
    from kivy.uix.modalview import ModalView

    from kiosk_app.ui.icons import Icon

    posted: list = []
    view, _, _ = _themed(window, SAMPLES[2], "zh_CN", posted)
    changes = [w for w in view.walk() if getattr(w, "text", None) == Texts().get("change")]
    changes[1].trigger_action(0)  # phone, then occupation (the customer's order)
    EventLoop.idle()
    modal = next(w for w in window.children if isinstance(w, ModalView))
    rows = [w for w in modal.walk() if getattr(w, "kind", None) in ("selected", "secondary")]
    assert [r.text for r in rows if r.kind == "selected"] == [Texts().occupation("20000")]
    assert any(isinstance(c, Icon) and c.name == "check" for c in rows[1].children)
    assert all(r.height >= 100 * window.height / 1080 - 1 for r in rows)
    rows[2].trigger_action(0)
    assert posted == [Touch("edit", {"field": "occupation", "value": "30000"})]


def test_pin_counter_counts_without_digits_and_names_the_entry(window) -> None:
    from kiosk_app.ui.pin_counter import PinCounter

    view, _, _ = _themed(window, SAMPLES[9], "zh_CN")
    assert next(w for w in view.walk() if isinstance(w, PinCounter)).text == "●●●●○○"
    assert Texts().get("pin_entry_second") in [getattr(w, "text", "") for w in view.walk()]


def test_language_access_and_sound_switches_call_the_app(window) -> None:
    from kiosk_app.ui.icons import Icon

    calls: list[str] = []
    controls = {"on_language": lambda: calls.append("lang"), "on_access": lambda: calls.append("access"),
                "on_sound": lambda: calls.append("sound"), "sound_step": 0}
    view, _, _ = _themed(window, SAMPLES[0], "zh_CN", controls=controls)
    next(w for w in view.walk() if getattr(w, "text", None) == "English").trigger_action(0)
    next(w for w in view.walk() if getattr(w, "text", None) == Texts().get("large_text_on")).trigger_action(0)
    speaker = next(w for w in view.walk() if isinstance(w, Icon) and w.name.startswith("speaker"))
    assert speaker.name == "speaker_0" and speaker.parent.accessibility_text == Texts().get("sound_off")
    speaker.parent.trigger_action(0)
    assert calls == ["lang", "access", "sound"]
    view, _, _ = _themed(window, SAMPLES[2], "zh_CN")  # personal data on screen: no language switch here
    assert "English" not in [getattr(w, "text", "") for w in view.walk()]


def test_high_contrast_large_text_is_black_with_bigger_type(window, tmp_path: Path) -> None:
    from kivy.uix.label import Label

    _, _, standard = _themed(window, SAMPLES[2], "zh_CN")
    view, _, _ = _themed(window, SAMPLES[2], "zh_CN", large=True, controls={"large_text": True})
    shot = np.asarray(Image.open(window.screenshot(name=str(tmp_path / "hc.png"))).convert("RGB")).astype(int)
    assert (shot.sum(axis=2) < 60).mean() > 0.6  # mostly black (page #000, cards #111)
    fonts = [w.font_size for w in view.walk() if isinstance(w, Label) and w.text]
    assert min(fonts) >= 32 * standard.scale * 1.25 - 0.5


def test_production_window_refuses_close_and_escape_demo_has_a_way_out(window) -> None:
    from kiosk_app.ui.window import lock_window

    stopped: list[bool] = []
    unlock = lock_window(window, production=True, stop=lambda: stopped.append(True))
    try:
        assert window.dispatch("on_request_close") is True
        assert window.dispatch("on_key_down", 27, 41, None, []) is True
        window.dispatch("on_key_down", 113, 20, "q", ["ctrl", "shift"])
        assert stopped == [] and window.show_cursor is False
        unlock()
        unlock = lock_window(window, production=False, stop=lambda: stopped.append(True))
        window.dispatch("on_key_down", 113, 20, "q", ["ctrl", "shift"])
        assert stopped == [True] and not window.dispatch("on_request_close")
    finally:
        unlock()
        window.show_cursor = True


def test_phone_is_changed_on_the_keypad_and_confirm_waits_for_all_digits(window, tmp_path: Path) -> None:
    from kivy.base import EventLoop
    from kivy.uix.modalview import ModalView

    from kiosk_app.ui.keypad import KeypadField, NumericKeypad

    posted: list = []
    view, _, _ = _themed(window, SAMPLES[2], "zh_CN", posted)
    changes = [w for w in view.walk() if getattr(w, "text", None) == Texts().get("change")]
    assert len(changes) == 2  # occupation and phone
    changes[0].trigger_action(0)  # the phone row comes first (customer order)
    for _ in range(3):
        EventLoop.idle()
    window.screenshot(name=str(tmp_path / "phone_keypad.png"))
    modal = next(w for w in window.children if isinstance(w, ModalView))
    keypad = next(w for w in modal.walk() if isinstance(w, NumericKeypad))
    entry = next(w for w in modal.walk() if isinstance(w, KeypadField))
    confirm = next(w for w in modal.walk() if getattr(w, "text", None) == Texts().action("confirm"))
    for key in "1391234567":
        keypad.key_button(key).trigger_action(0)
    assert confirm.disabled and entry.value == "1391234567"
    keypad.key_button("8").trigger_action(0)
    keypad.key_button("9").trigger_action(0)  # the 12th digit is refused
    assert not confirm.disabled and entry.value == "13912345678"
    confirm.trigger_action(0)
    assert posted == [Touch("edit", {"field": "phone", "value": "13912345678"})]
