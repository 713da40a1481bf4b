"""The credit-card steps' bodies: the bank's cards as large rows (a tap chooses), the income band chosen from a
list beside the employer as the phone gave it, and the credit-report authorisation read to its end.

Nothing is typed: the employer is never entered on the kiosk (no Chinese input), only shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.boxlayout import BoxLayout

from kiosk_app.flow.events import Touch
from kiosk_app.ui.components import text
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


BODIES: dict[str, Callable[[Ctx], Body]] = {
    "credit_card_product": _products, "credit_card_details": _details,
    "credit_report_consent": lambda ctx: _document(ctx, "credit_report_authorisation", ""),
}
