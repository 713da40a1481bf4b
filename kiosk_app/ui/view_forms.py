"""Forms the customer confirms: review with the occupation picker and the phone keypad, tax residency, the risk
questionnaire, agreements that must be read to the end. Nothing is typed in Chinese: a change is a choice from
a list or digits on the on-screen keypad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from central_api_client.risk import QUESTIONS
from kiosk_app.assets import asset
from kiosk_app.flow.events import Touch
from kiosk_app.ui.components import ThemedButton, action_row, fill, text
from kiosk_app.ui.icons import Icon
from kiosk_app.ui.keypad import KeypadField, NumericKeypad
from kiosk_app.ui.theme import Theme
from kiosk_app.ui.view_bodies import Body, Ctx

SHOWN_AS_FIELDS = (str, int, float)


def obvious_scroll(theme: Theme, content: Widget) -> ScrollView:
    """A scroll view whose bar is wide and always drawn, so a customer sees there is more below."""
    scroll = ScrollView(do_scroll_x=False, bar_width=theme.px(14), scroll_type=["bars", "content"],
                        bar_color=theme.palette.primary, bar_inactive_color=theme.palette.primary,
                        bar_margin=theme.px(4))
    content.size_hint_x = None  # the bar gets its own lane: it never covers a row's edge or its check mark
    scroll.bind(width=lambda w, width: setattr(content, "width", width - theme.px(14 + 16)))
    scroll.add_widget(content)
    return scroll


def _card(theme: Theme, cols: int = 2) -> GridLayout:
    grid = GridLayout(cols=cols, spacing=(theme.space("gap") * 2, theme.space("gap")), size_hint_y=None,
                      padding=theme.px(28))
    grid.bind(minimum_height=grid.setter("height"))
    fill(grid, theme.palette.surface, radius=theme.space("radius"))
    return grid


def _row(ctx: Ctx, grid: GridLayout, label: str, value: str, extra: Widget | None = None) -> None:
    if extra is None:
        grid.add_widget(text(ctx.theme, label, "body", colour=ctx.theme.palette.muted_text, size_hint_x=0.32))
        grid.add_widget(text(ctx.theme, value, "body", bold=True, size_hint_x=0.68))
        return
    grid.add_widget(text(ctx.theme, label, "body", colour=ctx.theme.palette.muted_text, size_hint_x=0.32,
                         grow=False, size_hint_y=None, height=ctx.theme.space("target")))
    line = BoxLayout(size_hint_x=0.68, size_hint_y=None, height=ctx.theme.space("target"),
                     spacing=ctx.theme.space("gap"))
    line.add_widget(text(ctx.theme, value, "body", bold=True, grow=False))
    line.add_widget(extra)
    grid.add_widget(line)


def fields_body(ctx: Ctx, data: dict[str, Any] | None = None) -> Body:
    """Label/value rows on a white card (the generic body for a step with plain data)."""
    grid = _card(ctx.theme)
    for key, value in (data if data is not None else ctx.screen.data).items():
        if isinstance(value, SHOWN_AS_FIELDS) or key == "services":
            _row(ctx, grid, ctx.texts.field(key), ctx.texts.value(key, value))
    return Body(obvious_scroll(ctx.theme, grid))


def occupation_picker(ctx: Ctx, codes: list[str], current: str | None) -> ModalView:
    """Large rows, the current choice marked with a check; a tap sends the edit and closes the list."""
    theme = ctx.theme
    modal = ModalView(size_hint=(0.9 if theme.portrait else 0.6, 0.85), background_color=(0, 0, 0, 0.6))
    box = BoxLayout(orientation="vertical", padding=theme.px(32), spacing=theme.space("gap"))
    fill(box, theme.palette.background, radius=theme.space("radius"))
    box.add_widget(text(theme, ctx.texts.get("choose_occupation"), "heading", bold=True))
    rows = GridLayout(cols=1, spacing=theme.space("gap"), size_hint_y=None)
    rows.bind(minimum_height=rows.setter("height"))
    for code in codes:
        chosen = code == current
        row = ThemedButton(theme, "selected" if chosen else "secondary", text=ctx.texts.occupation(code),
                           height=theme.space("row"), halign="left")
        if chosen:
            mark = Icon(theme, "check", theme.palette.success if not theme.high_contrast else theme.palette.text,
                        size=60)
            row.add_widget(mark)
            row.bind(pos=lambda r, p, m=mark: setattr(m, "pos", (r.right - m.width - theme.px(28),
                                                                  r.center_y - m.height / 2)))
        row.bind(on_release=lambda b, c=code: (modal.dismiss(), ctx.post(
            Touch("edit", {"field": "occupation", "value": c}))))
        rows.add_widget(row)
    box.add_widget(obvious_scroll(theme, rows))
    modal.add_widget(box)
    return modal


def keypad_editor(ctx: Ctx, field: str, length: int) -> ModalView:
    """A number typed on the on-screen keypad (the phone); confirm enables once it has all its digits."""
    theme = ctx.theme
    modal = ModalView(size_hint=(0.9 if theme.portrait else 0.5, None), background_color=(0, 0, 0, 0.6))
    box = BoxLayout(orientation="vertical", padding=theme.px(32), spacing=theme.space("gap"), size_hint_y=None)
    box.bind(minimum_height=box.setter("height"), height=lambda w, h: setattr(modal, "height", h))
    fill(box, theme.palette.background, radius=theme.space("radius"))
    entry = KeypadField(theme, label=ctx.texts.field(field), max_length=length)
    keypad = NumericKeypad(theme, (entry,), key_names=lambda key: ctx.texts.get(f"keypad_{key}"))
    centre = AnchorLayout(size_hint_y=None, height=keypad.height)
    centre.add_widget(keypad)
    cancel = ThemedButton(theme, "quiet", text=ctx.texts.action("cancel"), size_hint_x=None, width=theme.px(240))
    confirm = ThemedButton(theme, "primary", text=ctx.texts.action("confirm"), size_hint_x=None,
                           width=theme.px(300), disabled=True)
    entry.bind(value=lambda w, value: setattr(confirm, "disabled", len(value) != length))
    cancel.bind(on_release=lambda b: modal.dismiss())
    confirm.bind(on_release=lambda b: (modal.dismiss(), ctx.post(
        Touch("edit", {"field": field, "value": entry.value}))))
    for widget in (entry, centre, action_row(theme, [cancel], [confirm])):
        box.add_widget(widget)
    modal.add_widget(box)
    return modal


def _change_button(ctx: Ctx, open_editor: Callable[[], ModalView]) -> ThemedButton:
    button = ThemedButton(ctx.theme, "secondary", text=ctx.texts.get("change"), size_hint_x=None,
                          width=ctx.theme.px(200))
    button.bind(on_release=lambda b: open_editor().open())
    return button


def _review(ctx: Ctx) -> Body:
    data = ctx.screen.data
    customer = dict(data.get("customer", {}))
    grid = _card(ctx.theme)
    codes = list(data.get("pick_lists", {}).get("occupation", []))
    keypad_fields = dict(data.get("keypad_fields", {}))
    for key, value in customer.items():
        extra = None
        if key == "occupation" and codes:
            extra = _change_button(ctx, lambda: occupation_picker(ctx, codes, customer.get("occupation")))
        elif key in keypad_fields:
            extra = _change_button(ctx, lambda k=key: keypad_editor(ctx, k, int(keypad_fields[k])))
        _row(ctx, grid, ctx.texts.field(key), ctx.texts.value(key, value), extra)
    if "occupation" not in customer and codes:
        pick = ThemedButton(ctx.theme, "secondary", text=ctx.texts.get("choose_occupation"))
        pick.bind(on_release=lambda b: occupation_picker(ctx, codes, None).open())
        _row(ctx, grid, ctx.texts.field("occupation"), "", pick)
    _row(ctx, grid, ctx.texts.field("account_class"), ctx.texts.value("account_class", data.get("account_class")))
    return Body(obvious_scroll(ctx.theme, grid))


def _choice_rows(ctx: Ctx, options: list[tuple[str, str]], current: str | None,
                 on_choose: Callable[[str], None], cols: int = 1) -> GridLayout:
    rows = GridLayout(cols=cols, spacing=ctx.theme.space("gap"), size_hint_y=None)
    rows.bind(minimum_height=rows.setter("height"))
    for value, label in options:
        row = ThemedButton(ctx.theme, "selected" if value == current else "secondary", text=label,
                           height=ctx.theme.space("row"), halign="left")
        row.choice = value
        row.bind(on_release=lambda b, v=value: on_choose(v))
        rows.add_widget(row)
    return rows


def _tax(ctx: Ctx) -> Body:
    """The declaration's wording, then the three statuses with the customer's one chosen; confirm sends it."""
    declared = str(ctx.screen.data.get("declaration", {}).get("status", "")) or "china_only"
    chosen = {"status": declared}
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"), size_hint_y=None)
    box.bind(minimum_height=box.setter("height"))
    box.add_widget(text(ctx.theme, ctx.texts.get("tax_declaration_text"), "body"))
    options = [(s, ctx.texts.value("tax_status", s)) for s in ("china_only", "other_only", "china_and_other")]

    def choose(value: str) -> None:
        chosen["status"] = value
        for row in rows.children:
            row.kind = "selected" if row.choice == value else "secondary"
            row._redraw()

    rows = _choice_rows(ctx, options, declared, choose)
    box.add_widget(rows)
    box.add_widget(text(ctx.theme, ctx.texts.get("tax_change_on_phone"), "small",
                        colour=ctx.theme.palette.muted_text))
    return Body(obvious_scroll(ctx.theme, box), values={"confirm": lambda: dict(chosen)})


def _risk(ctx: Ctx) -> Body:
    """Each question numbered with its wording and the customer's answer in words; the level and its meaning."""
    data = ctx.screen.data
    answers = dict(data.get("answers", {}))
    grid = _card(ctx.theme)
    for number, question in enumerate(QUESTIONS, start=1):
        answer = answers.get(question)
        words = ctx.texts.get(f"risk_{question}_{answer}") if answer else "—"
        _row(ctx, grid, f"{number}. {ctx.texts.question(question)}", words)
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"))
    level = data.get("level")
    if level:
        result = BoxLayout(orientation="vertical", size_hint_y=None, padding=ctx.theme.px(24),
                           spacing=ctx.theme.px(8))
        result.bind(minimum_height=result.setter("height"))
        fill(result, ctx.theme.palette.selected, radius=ctx.theme.space("radius"))
        result.add_widget(text(ctx.theme, f"{ctx.texts.get('risk_result')}  {ctx.texts.value('level', level)}",
                               "heading", bold=True, colour=ctx.theme.palette.on_selected))
        result.add_widget(text(ctx.theme, f"{ctx.texts.get('risk_allows')}  {ctx.texts.get(f'risk_allows_{level}')}",
                               "body", colour=ctx.theme.palette.on_selected))
        box.add_widget(result)
    else:
        box.add_widget(text(ctx.theme, ctx.texts.get("risk_incomplete"), "body", colour=ctx.theme.palette.error_text))
    box.add_widget(obvious_scroll(ctx.theme, grid))
    return Body(box)


def _risk_redo(ctx: Ctx) -> Body:
    """One question: its number of the total, its wording, each answer as a large row with its wording."""
    question = ctx.screen.data["question"]
    order = list(QUESTIONS)
    number = order.index(question) + 1 if question in order else 1
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"))
    box.add_widget(text(ctx.theme, ctx.texts.format("risk_question_number", n=number, count=len(order)), "body",
                        colour=ctx.theme.palette.muted_text))
    box.add_widget(text(ctx.theme, f"{number}. {ctx.texts.question(question)}", "heading", bold=True))
    options = [(c, f"{c}.  {ctx.texts.get(f'risk_{question}_{c}')}") for c in ctx.screen.data["choices"]]
    cols = 1 if ctx.theme.portrait else 2  # five answers fit a landscape panel without scrolling
    box.add_widget(obvious_scroll(ctx.theme, _choice_rows(ctx, options, None,
                                                          lambda c: ctx.post(Touch("answer", c)), cols)))
    return Body(box)


class ReadToEnd(BoxLayout):
    """An agreement's text that must be scrolled to its end before agree is enabled."""

    def __init__(self, ctx: Ctx, body: str, counter: str) -> None:
        super().__init__(orientation="vertical", spacing=ctx.theme.space("gap"))
        self.ctx, self.buttons = ctx, []
        self.read = False
        label = Label(text=f"{counter}\n{body}" if counter else body, font_size=ctx.theme.font("body"),
                      color=ctx.theme.palette.text, halign="left", valign="top", size_hint_y=None,
                      padding=(ctx.theme.px(28), ctx.theme.px(20)), line_height=1.25)
        label.bind(width=lambda w, width: setattr(w, "text_size", (width, None)),
                   texture_size=lambda w, size: setattr(w, "height", size[1]))
        fill(label, ctx.theme.palette.surface)
        self.scroll = obvious_scroll(ctx.theme, label)
        self.add_widget(self.scroll)
        self.hint = text(ctx.theme, ctx.texts.get("read_to_end"), "small", colour=ctx.theme.palette.muted_text)
        self.add_widget(self.hint)
        self.scroll.bind(scroll_y=self._check, height=self._check)
        label.bind(height=self._check)
        Clock.schedule_once(self._check, 0)

    def _check(self, *_: object) -> None:
        content = self.scroll.children[0] if self.scroll.children else None
        fits = content is not None and content.height <= self.scroll.height + 1
        if not self.read and (fits or self.scroll.scroll_y <= 0.01):
            self.read = True
            self.hint.text = self.ctx.texts.get("read_done")
        for button in self.buttons:
            button.disabled = not self.read

    def gate(self, button: ThemedButton) -> None:
        self.buttons.append(button)
        button.disabled = not self.read


def _document(ctx: Ctx, name: str, counter: str) -> Body:
    suffix = "zh_CN" if ctx.texts.locale == "zh_CN" else "en"
    try:
        words = asset("agreements", f"{name}.{suffix}.txt").read_text(encoding="utf-8")
    except FileNotFoundError:
        words = ctx.texts.title(ctx.screen.step_id)
    reader = ReadToEnd(ctx, words, counter)
    accepting = [action for action in ("agree", "consent") if action in ctx.screen.actions]
    # the touch says which language's text was read: the bank keeps the digest of that text as evidence
    values = {action: (lambda: {"locale": suffix}) for action in accepting}
    return Body(reader, values=values, gates={action: reader.gate for action in accepting})


def _agreements(ctx: Ctx) -> Body:
    data = ctx.screen.data
    return _document(ctx, str(data["agreement"]), f"{data['index']}/{data['count']}")


FORMS: dict[str, Callable[[Ctx], Body]] = {
    "review": _review, "tax_residency": _tax, "risk_assessment": _risk, "risk_redo": _risk_redo,
    "agreements": _agreements, "sensitive_consent": lambda ctx: _document(ctx, "sensitive_consent", ""),
}
