"""Bodies of the bundle's application steps (issue 18): the bank's credit cards as large rows (a tap chooses), the
income band chosen from a list beside the employer as the phone gave it, the credit-report authorisation read
to its end, and the texted code typed on the on-screen keypad before e-banking.

Nothing is typed in Chinese (the employer is only shown); no password is typed here either: the e-banking login
password is set on the PIN pad, on the PIN screens (`view_bodies._pin`, steps login_*).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout

from kiosk_app.flow.events import Touch
from kiosk_app.ui.components import ThemedButton, text
from kiosk_app.ui.keypad import KeypadField, NumericKeypad
from kiosk_app.ui.view_bodies import Body, Ctx
from kiosk_app.ui.view_forms import _card, _choice_rows, _document, _row, obvious_scroll


def _product_label(ctx: Ctx, product: dict[str, Any]) -> str:
    name = product["name_zh"] if ctx.texts.locale == "zh_CN" else product["name_en"]
    fee = int(product.get("annual_fee_cny", 0))
    price = ctx.texts.get("credit_fee_free") if fee == 0 else ctx.texts.format("credit_fee", fee=fee)
    return f"{name}    {price}"


def _products(ctx: Ctx) -> Body:
    data = ctx.screen.data
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"))
    box.add_widget(text(ctx.theme, ctx.texts.get("credit_choose_hint"), "body", colour=ctx.theme.palette.muted_text))
    options = [(p["code"], _product_label(ctx, p)) for p in data.get("products", [])]
    rows = _choice_rows(ctx, options, data.get("selected"), lambda code: ctx.post(Touch("choose", code)))
    box.add_widget(obvious_scroll(ctx.theme, rows))
    return Body(box)


def _details(ctx: Ctx) -> Body:
    """The card applied for and the employer on a card; the income bands below; confirm sends the one chosen."""
    data = ctx.screen.data
    chosen: dict[str, Any] = {"income_band": data.get("income_band")}
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"), size_hint_y=None)
    box.bind(minimum_height=box.setter("height"))
    grid = _card(ctx.theme)
    product = data.get("product") or {}
    if product:
        name = product["name_zh"] if ctx.texts.locale == "zh_CN" else product["name_en"]
        _row(ctx, grid, ctx.texts.field("product"), name)
    employer = str(data.get("employer") or "") or ctx.texts.get("credit_employer_missing")
    _row(ctx, grid, ctx.texts.field("employer"), employer)
    box.add_widget(grid)
    box.add_widget(text(ctx.theme, ctx.texts.get("credit_income_hint"), "heading", bold=True))
    options = [(band, ctx.texts.value("income_band", band)) for band in data.get("income_bands", [])]

    def choose(value: str) -> None:
        chosen["income_band"] = value
        for row in rows.children:
            row.kind = "selected" if row.choice == value else "secondary"
            row._redraw()

    rows = _choice_rows(ctx, options, chosen["income_band"], choose, cols=1 if ctx.theme.portrait else 2)
    box.add_widget(rows)
    box.add_widget(text(ctx.theme, ctx.texts.get("credit_employer_hint"), "small",
                        colour=ctx.theme.palette.muted_text))
    return Body(obvious_scroll(ctx.theme, box),
                values={"confirm": lambda: {k: v for k, v in chosen.items() if v}})


def _sms(ctx: Ctx) -> Body:
    """Where the code went and what it is for, then the code on the keypad (confirm needs all six digits); once
    the number is confirmed, confirm goes straight to the PIN pad for the login password. Landscape: words and
    field left, keypad right; portrait: one column."""
    data = ctx.screen.data
    theme = ctx.theme
    words = BoxLayout(orientation="vertical", spacing=theme.space("gap"))
    words.add_widget(text(theme, ctx.texts.format("sms_sent_to", phone=data.get("phone", "")), "heading", bold=True))
    services = ctx.texts.value("services", list(data.get("services", [])))
    words.add_widget(text(theme, ctx.texts.format("sms_for", services=services), "body",
                          colour=theme.palette.muted_text))
    if data.get("confirmed"):
        words.add_widget(text(theme, ctx.texts.get("sms_confirmed"), "body"))
        words.add_widget(BoxLayout())
        return Body(words)
    length = int(data.get("length", 6))
    entry = KeypadField(theme, label=ctx.texts.field("code"), max_length=length, size_hint_x=None,
                        width=theme.px(520))
    keypad = NumericKeypad(theme, (entry,), key_names=lambda key: ctx.texts.get(f"keypad_{key}"))
    words.add_widget(text(theme, ctx.texts.get("sms_enter_code"), "body"))
    words.add_widget(entry)
    box = BoxLayout(orientation="vertical" if theme.portrait else "horizontal", spacing=theme.space("gap") * 2)
    box.add_widget(words)
    pad = AnchorLayout(anchor_x="left" if theme.portrait else "center", anchor_y="top",
                       size_hint=(1, None) if theme.portrait else (None, 1), height=keypad.height,
                       width=keypad.width + theme.px(40))
    pad.add_widget(keypad)
    box.add_widget(pad)
    if theme.portrait:
        words.add_widget(BoxLayout())
        box.add_widget(BoxLayout())
    else:
        words.add_widget(BoxLayout())

    def gate(button: ThemedButton) -> None:
        button.disabled = len(entry.value) != length
        entry.bind(value=lambda w, value: setattr(button, "disabled", len(value) != length))
    return Body(box, values={"confirm": lambda: entry.value}, gates={"confirm": gate})


BODIES: dict[str, Callable[[Ctx], Body]] = {
    "ebanking_sms": _sms,
    "credit_card_product": _products, "credit_card_details": _details,
    "credit_report_consent": lambda ctx: _document(ctx, "credit_report_authorisation", ""),
}
