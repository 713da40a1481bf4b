"""The lobby manager's console as Kivy widgets: draws a `ManagerConsole` screen, posts what the manager touched.

Like `view.py`, it decides nothing: it shows `screen.data`, translates `screen.errors`, and turns touches into
`ManagerLogin` / `ManagerAction` through `post`. The app calls the console off the main thread and hands the
returned screen back here. Staff texts live in this module (zh and en), apart from the customers' texts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.graphics import Color, Rectangle
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from kiosk_app.flow.manager import ManagerAction, ManagerLogin
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.widgets import BigButton

Post = Callable[[ManagerLogin | ManagerAction], None]
RED, GREEN, INK = (0.75, 0.1, 0.1, 1), (0.1, 0.5, 0.2, 1), (0.1, 0.1, 0.1, 1)
MONO = "RobotoMono-Regular"

_ZH = {
    "title": {"manager_login": "大堂经理登录", "manager_menu": "大堂经理", "manager_devices": "设备状态",
              "manager_stock": "卡片库存与废卡箱", "manager_receipt": "补打回执", "manager_sessions": "今日业务",
              "manager_refused": "无法操作"},
    "action": {"login": "登录", "leave": "返回", "logout": "退出登录", "menu": "菜单", "devices": "设备状态",
               "stock": "库存", "refill": "补卡（张）", "recount": "清点后设为", "empty_bin": "已清空废卡箱",
               "clear_jam": "重新初始化", "card_removed": "已手动取出卡片", "receipt": "查看回执",
               "reprint": "补打回执", "sessions": "今日业务", "close": "暂停服务", "open": "恢复服务"},
    "field": {"staff_id": "员工号", "pin": "密码", "kiosk": "本机", "open": "服务中", "closed": "暂停服务",
              "stock": "卡片（账面）", "sensor": "传感器", "bin": "废卡箱（账面）", "device_counter": "设备计数",
              "full": "已满", "open_cards": "待处理卡片", "total": "合计", "cards_issued": "已发卡",
              "date": "日期", "count": "张数"},
    "error": {"manager_not_logged_in": "请先登录", "manager_timeout": "长时间未操作，已退出登录",
              "staff_auth_failed": "员工号或密码错误", "staff_locked": "多次输入错误，已锁定",
              "session_running": "客户正在办理业务，请稍后", "manager_bad_input": "请输入正确的张数",
              "manager_unknown_action": "不支持的操作", "dispenser_unavailable": "发卡机不可用",
              "dispenser_error": "发卡机故障", "jam_not_cleared": "卡片仍卡住，请先手动取出",
              "cards_unaccounted": "有卡片去向不明，请检查", "printer_unavailable": "未配置打印机",
              "no_receipt": "暂无可补打的回执", "printer_not_ready": "打印机未就绪",
              "receipt_unmasked": "回执含未脱敏信息，已阻止", "preview_unavailable": "无法预览",
              "stock_sensor_empty": "传感器显示无卡，与账面不符",
              "stock_sensor_not_empty": "传感器显示有卡，与账面不符",
              "bin_counter_differs": "设备计数与账面不符", "device_fault": "故障", "kiosk_closed": "本机暂停服务"},
}
_EN = {
    "title": {"manager_login": "Lobby manager login", "manager_menu": "Lobby manager", "manager_devices": "Devices",
              "manager_stock": "Card stock and bin", "manager_receipt": "Reprint receipt",
              "manager_sessions": "Today's sessions", "manager_refused": "Not possible now"},
    "action": {"login": "Log in", "leave": "Back", "logout": "Log out", "menu": "Menu", "devices": "Devices",
               "stock": "Stock", "refill": "Cards added", "recount": "Counted", "empty_bin": "Bin emptied",
               "clear_jam": "Re-initialise", "card_removed": "Card removed by hand", "receipt": "Receipt",
               "reprint": "Reprint", "sessions": "Today", "close": "Close kiosk", "open": "Open kiosk"},
    "field": {"staff_id": "Staff id", "pin": "PIN", "kiosk": "Kiosk", "open": "open", "closed": "closed",
              "stock": "Cards (counted)", "sensor": "Sensor", "bin": "Bin (counted)",
              "device_counter": "Device counter",
              "full": "Full", "open_cards": "Unsettled cards", "total": "Total", "cards_issued": "Cards issued",
              "date": "Date", "count": "Cards"},
    "error": {"manager_not_logged_in": "Please log in", "manager_timeout": "Logged out after inactivity",
              "staff_auth_failed": "Staff id or PIN wrong", "staff_locked": "Locked after repeated failures",
              "session_running": "A customer is using the kiosk", "manager_bad_input": "Enter a number of cards",
              "manager_unknown_action": "Not supported", "dispenser_unavailable": "No card dispenser",
              "dispenser_error": "Card dispenser error", "jam_not_cleared": "Still jammed: remove the card by hand",
              "cards_unaccounted": "A card is unaccounted for: check the dispenser",
              "printer_unavailable": "No printer", "no_receipt": "No receipt to reprint",
              "printer_not_ready": "Printer not ready", "receipt_unmasked": "Receipt blocked: unmasked data",
              "preview_unavailable": "No preview", "stock_sensor_empty": "Sensor sees no cards: count differs",
              "stock_sensor_not_empty": "Sensor sees cards: count differs",
              "bin_counter_differs": "Device bin counter differs", "device_fault": "fault",
              "kiosk_closed": "Kiosk closed"},
}


class ManagerTexts:
    """The console's words in one language; an unknown key shows as itself (never a blank)."""

    def __init__(self, locale: str = "zh_CN") -> None:
        self.table = _ZH if locale == "zh_CN" else _EN

    def get(self, section: str, key: str) -> str:
        return self.table[section].get(key, key)


def _label(text: str, size: int = 22, color: tuple = INK, **kwargs: Any) -> Label:
    kwargs.setdefault("halign", "left")
    kwargs.setdefault("valign", "middle")
    label = Label(text=text, font_size=size, color=color, **kwargs)
    label.bind(size=lambda w, s: setattr(w, "text_size", s))
    return label


def _grid(rows: list[tuple[str, str]], colors: dict[int, tuple] | None = None) -> GridLayout:
    grid = GridLayout(cols=2, spacing=6, size_hint_y=None, row_default_height=40)
    grid.bind(minimum_height=grid.setter("height"))
    for i, (name, value) in enumerate(rows):
        grid.add_widget(_label(name, bold=True))
        grid.add_widget(_label(value, color=(colors or {}).get(i, INK)))
    return grid


def _login_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8, size_hint_y=None, height=210)
    staff_id = TextInput(hint_text=t.get("field", "staff_id"), multiline=False, font_size=24, size_hint_y=None,
                         height=56)
    pin = TextInput(hint_text=t.get("field", "pin"), password=True, multiline=False, input_filter="int",
                    font_size=24, size_hint_y=None, height=56)
    box.add_widget(staff_id)
    box.add_widget(pin)
    box.add_widget(BigButton(text=t.get("action", "login"),
                             on_release=lambda b: post(ManagerLogin(staff_id.text.strip(), pin.text))))
    box.inputs = (staff_id, pin)
    return box


def _menu_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=8)
    kiosk = screen.data.get("kiosk", "open")
    box.add_widget(_grid([(t.get("field", "staff_id"), str(screen.data.get("staff_id", ""))),
                          (t.get("field", "kiosk"), t.get("field", kiosk))], {1: RED if kiosk == "closed" else GREEN}))
    buttons = GridLayout(cols=3, spacing=12)
    for action in screen.actions:
        buttons.add_widget(BigButton(text=t.get("action", action), on_release=lambda b, a=action: post(
            ManagerAction(a))))
    box.add_widget(buttons)
    return box


def _devices_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    box = BoxLayout(orientation="vertical", spacing=4)
    for device, line in zip(screen.data["devices"], screen.data["lines"], strict=True):
        box.add_widget(_label(line, 16, GREEN if device["ok"] else RED, font_name=MONO, size_hint_y=None, height=48))
    box.add_widget(Widget())  # the lines stay together at the top
    return box


def _stock_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    stock, bin_ = screen.data["stock"], screen.data["bin"]
    f = t.get
    rows = [(f("field", "stock"), str(stock["counted"])), (f("field", "sensor"), str(stock["sensor"])),
            (f("field", "bin"), str(bin_["counted"])), (f("field", "device_counter"), str(bin_["device_counter"])),
            (f("field", "full"), str(bin_["full"])), (f("field", "open_cards"), str(len(screen.data["open_cards"])))]
    colors = {0: RED, 1: RED} if "stock" in screen.errors else {}
    colors |= {2: RED, 3: RED} if "bin" in screen.errors else {}
    box = BoxLayout(orientation="vertical", spacing=8)
    box.add_widget(_grid(rows, colors))
    count = TextInput(hint_text=f("field", "count"), multiline=False, input_filter="int", font_size=24,
                      size_hint_y=None, height=56)
    box.add_widget(count)
    row = BoxLayout(size_hint_y=None, height=80, spacing=12)
    for action in ("refill", "recount"):
        row.add_widget(BigButton(text=f("action", action), on_release=lambda b, a=action: post(
            ManagerAction(a, int(count.text) if count.text.isdigit() else count.text))))
    row.add_widget(BigButton(text=f("action", "card_removed"), on_release=lambda b: post(
        ManagerAction("clear_jam", True))))
    box.add_widget(row)
    box.count_input = count
    return box


def _receipt_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    if screen.data.get("png"):
        texture = CoreImage(io.BytesIO(screen.data["png"]), ext="png").texture
        return Image(texture=texture, fit_mode="contain")
    return _label("\n".join(screen.data.get("lines", ())), 18, valign="top")


def _sessions_body(screen: Screen, t: ManagerTexts, post: Post) -> Widget:
    rows = [(t.get("field", "date"), screen.data["date"]), (t.get("field", "total"), str(screen.data["total"])),
            (t.get("field", "cards_issued"), str(screen.data["cards_issued"]))]
    rows += [(outcome, str(count)) for outcome, count in screen.data["by_outcome"].items()]
    return _grid(rows)


BODIES: dict[str, Callable[[Screen, ManagerTexts, Post], Widget]] = {
    "manager_login": _login_body, "manager_menu": _menu_body, "manager_devices": _devices_body,
    "manager_stock": _stock_body, "manager_receipt": _receipt_body, "manager_sessions": _sessions_body,
}
INLINE_ACTIONS = {"login", "refill", "recount"}  # drawn by the body, which knows the typed values


def _background(root: Widget) -> None:
    with root.canvas.before:
        Color(0.93, 0.95, 0.98, 1)  # a cooler tone than the customers' screens: staff mode at a glance
        bg = Rectangle(pos=root.pos, size=root.size)
    root.bind(pos=lambda w, p: setattr(bg, "pos", p), size=lambda w, s: setattr(bg, "size", s))


def build_manager_view(screen: Screen, post: Post, *, locale: str = "zh_CN") -> Widget:
    """The widget tree for one console screen; touches reach `post` as ManagerLogin / ManagerAction."""
    t = ManagerTexts(locale)
    root = BoxLayout(orientation="vertical", padding=24, spacing=10)
    _background(root)
    root.add_widget(_label(t.get("title", screen.step_id), 32, bold=True, size_hint_y=None, height=56))
    for field_name, key in screen.errors.items():
        text = t.get("error", key)
        if screen.step_id == "manager_devices":  # errors there are keyed by device name
            text = f"{field_name}: {text}"
        root.add_widget(Label(text=text, font_size=22, color=RED, size_hint_y=None, height=40))
    make = BODIES.get(screen.step_id)
    body = make(screen, t, post) if make else Widget()
    root.add_widget(body)
    if body.size_hint_y is None:  # a fixed-height body stays under the title; the space goes below it
        root.add_widget(Widget())
    actions = BoxLayout(size_hint_y=None, height=80, spacing=16)
    if screen.step_id != "manager_menu":  # the menu draws its actions as a grid
        for action in screen.actions:
            if action not in INLINE_ACTIONS:
                actions.add_widget(BigButton(text=t.get("action", action),
                                             on_release=lambda b, a=action: post(ManagerAction(a))))
    root.add_widget(actions)
    return root
