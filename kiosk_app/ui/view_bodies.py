"""The middle of each customer screen, by step id: device guidance, QR codes, services, signature, the end.

A body is a widget plus what the frame needs from it: the value an action carries (the signature's strokes),
gates on actions (agree stays disabled until the agreement was read to the end), extra quiet buttons
(sign again). Forms live in `view_forms.py`; the lobby manager's steps in `staff_screens.py` (their owner's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk_app.flow.events import Event, Touch
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.chrome import Spinner
from kiosk_app.ui.components import ThemedButton, fill, text
from kiosk_app.ui.icons import Icon
from kiosk_app.ui.illustrations import STEP_ILLUSTRATION, Illustration
from kiosk_app.ui.pin_counter import PinCounter
from kiosk_app.ui.signature import SignaturePad
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.theme import Theme
from kiosk_app.ui.widgets import QrCode


@dataclass(frozen=True)
class Ctx:
    screen: Screen
    texts: Texts
    post: Callable[[Event], None]
    theme: Theme


@dataclass
class Body:
    widget: Widget
    values: dict[str, Callable[[], Any]] = field(default_factory=dict)
    gates: dict[str, Callable[[ThemedButton], None]] = field(default_factory=dict)
    extra_left: list[Widget] = field(default_factory=list)


MACHINE_STEPS = {"dispensing", "reading_card", "binding", "opening_account", "activating", "retaining",
                 "retracting", "presenting", "done"}
PIN_STEPS = {"setting_pin", "pin_first", "pin_confirm", "pin_weakPin", "pin_pinMismatch",
             "login_first", "login_confirm", "login_weakPin", "login_pinMismatch"}  # login_*: e-banking password
STAFF_STEPS = {"staff_decide", "staff_needed", "closed"}


def picture_and_words(ctx: Ctx, picture: Widget | None, words: list[Widget]) -> BoxLayout:
    """Landscape: picture left, words right; portrait: picture above the words."""
    portrait = ctx.theme.portrait
    box = BoxLayout(orientation="vertical" if portrait else "horizontal", spacing=ctx.theme.space("gap") * 2)
    if picture is not None:
        box.add_widget(picture)
    column = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"),
                       size_hint=(1, 0.8 if portrait else 1))
    column.add_widget(Widget())
    for widget in words:
        column.add_widget(widget)
    column.add_widget(Widget())
    box.add_widget(column)
    return box


def _illustration(ctx: Ctx, name: str | None = None) -> Widget | None:
    name = name or STEP_ILLUSTRATION.get(ctx.screen.step_id)
    return Illustration(ctx.theme, name) if name else None


def _guide(ctx: Ctx, key: str | None = None) -> Widget:
    return text(ctx.theme, ctx.texts.get(key or f"guide_{ctx.screen.step_id}"), "heading")


def _centred(widget: Widget, height: float) -> AnchorLayout:
    anchor = AnchorLayout(anchor_x="left", size_hint_y=None, height=height)
    anchor.add_widget(widget)
    return anchor


def _idle(ctx: Ctx) -> Body:
    hint = text(ctx.theme, ctx.texts.get("scan_qr"), "body", colour=ctx.theme.palette.muted_text)
    return Body(picture_and_words(ctx, _illustration(ctx), [_guide(ctx), hint]))


def _picture_and_guide(ctx: Ctx) -> Body:
    """A device step the customer acts on: where to act (the picture) and what to do (the guide)."""
    return Body(picture_and_words(ctx, _illustration(ctx), [_guide(ctx)]))


def _machine(ctx: Ctx) -> Body:
    """A machine at work: the picture of where things happen (or a spinner) and what it is doing."""
    picture = _illustration(ctx)
    spinner = Spinner(ctx.theme)
    if picture is not None:
        return Body(picture_and_words(ctx, picture, [_centred(spinner, spinner.height), _guide(ctx)]))
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap") * 2)
    box.add_widget(Widget())
    spinner.size = (ctx.theme.px(200), ctx.theme.px(200))
    middle = AnchorLayout(size_hint_y=None, height=spinner.height)
    middle.add_widget(spinner)
    box.add_widget(middle)
    if ctx.screen.step_id == "activating" and ctx.screen.data.get("service"):
        middle_icon = AnchorLayout(size_hint_y=None, height=ctx.theme.px(100))
        middle_icon.add_widget(Icon(ctx.theme, ctx.screen.data["service"], size=96))
        box.add_widget(middle_icon)
        box.add_widget(text(ctx.theme, ctx.texts.service(ctx.screen.data["service"]), "heading", bold=True,
                            halign="center"))
    box.add_widget(text(ctx.theme, ctx.texts.get(f"guide_{ctx.screen.step_id}"), "heading", halign="center"))
    box.add_widget(Widget())
    return Body(box)


def _pin(ctx: Ctx) -> Body:
    """PIN entry: how to shield the pad, which entry this is, and a counter fed by the pad's key counts."""
    step = ctx.screen.step_id
    second = step.endswith("_confirm") or ctx.screen.data.get("entry") == 2
    counter = PinCounter(ctx.theme, int(ctx.screen.data.get("length", 6)), int(ctx.screen.data.get("digits", 0)))
    words = [
        text(ctx.theme, ctx.texts.get("pin_entry_second" if second else "pin_entry_first"), "heading", bold=True,
             colour=ctx.theme.palette.primary if not ctx.theme.high_contrast else ctx.theme.palette.text),
        _centred(counter, counter.height * 1.4),
        _guide(ctx),
        text(ctx.theme, ctx.texts.get("pin_cancel_hint"), "body", colour=ctx.theme.palette.muted_text),
    ]
    return Body(picture_and_words(ctx, _illustration(ctx), words))


def _qr(ctx: Ctx) -> Body:
    """A QR code with the "scan with WeChat" hint beside it (below it in portrait)."""
    link = ctx.screen.data.get("qr")
    side = ctx.theme.px(440)
    code = QrCode(link, size_hint=(None, None), size=(side, side)) if link else Widget()
    frame = AnchorLayout(size_hint_x=None if not ctx.theme.portrait else 1, width=side + ctx.theme.px(40))
    frame.add_widget(code)
    key = "guide_walk_in_form" if ctx.screen.step_id == "walk_in_form" else "scan_with_wechat"
    words = [Icon(ctx.theme, "wechat_pay", size=96), text(ctx.theme, ctx.texts.get(key), "heading", bold=True)]
    if ctx.screen.step_id != "walk_in_form":
        words.append(text(ctx.theme, ctx.texts.service(
            "wechat_pay" if ctx.screen.step_id == "wechat_binding" else "official_account"), "body"))
    return Body(picture_and_words(ctx, frame, words))


def service_row(ctx: Ctx, service: str, selected: bool) -> ThemedButton:
    """One service as a large row: its icon, its name, a check mark when chosen (tap toggles)."""
    theme = ctx.theme
    row = ThemedButton(theme, "selected" if selected else "secondary", text=ctx.texts.service(service),
                       height=theme.space("row"), halign="left", bold=selected)
    icon = Icon(theme, service, theme.palette.on_selected if selected else theme.palette.primary, size=64)
    mark = Icon(theme, "check" if selected else "unchecked",
                theme.palette.success if selected and not theme.high_contrast else theme.palette.text, size=64)
    row.add_widget(icon)
    row.add_widget(mark)

    def place(*_: object) -> None:
        icon.pos = (row.x + theme.px(36), row.center_y - icon.height / 2)
        mark.pos = (row.right - mark.width - theme.px(36), row.center_y - mark.height / 2)
        row.text_size = (row.width - theme.px(300), None)
        row.padding = (theme.px(120), 0)

    row.bind(pos=place, size=place)
    row.bind(on_release=lambda b: ctx.post(Touch("toggle", service)))
    row.selected = selected
    return row


def _services(ctx: Ctx) -> Body:
    data = ctx.screen.data
    columns = 1 if ctx.theme.portrait else 2
    grid = GridLayout(cols=columns, spacing=ctx.theme.space("gap"), size_hint_y=None)
    grid.bind(minimum_height=grid.setter("height"))
    for service in data["available"]:
        grid.add_widget(service_row(ctx, service, service in data["selected"]))
    box = BoxLayout(orientation="vertical", spacing=ctx.theme.space("gap"))
    box.add_widget(grid)
    for refused in data.get("refused", []):
        box.add_widget(text(ctx.theme, ctx.texts.error(refused), "body", colour=ctx.theme.palette.error_text))
    box.add_widget(Widget())
    return Body(box)


def _signature(ctx: Ctx) -> Body:
    pad = SignaturePad(ctx.theme, ctx.texts.get("sign_here"))
    again = ThemedButton(ctx.theme, "secondary", text=ctx.texts.get("sign_again"), size_hint_x=None,
                         width=ctx.theme.px(300))
    again.bind(on_release=lambda b: pad.clear())
    return Body(pad, values={"sign": lambda: [list(s) for s in pad.strokes]}, extra_left=[again])


def _thank_you(ctx: Ctx) -> Body:
    data = ctx.screen.data
    words = [text(ctx.theme, ctx.texts.get("take_id_and_receipt"), "heading", bold=True,
                  colour=ctx.theme.palette.primary if not ctx.theme.high_contrast else ctx.theme.palette.text)]
    if data.get("card"):
        words.append(text(ctx.theme, f"{ctx.texts.get('card_number')}  {data['card']}", "body"))
    if data.get("services"):
        words.append(text(ctx.theme, f"{ctx.texts.get('services_opened')}  "
                                     f"{ctx.texts.value('services', list(data['services']))}", "body"))
    return Body(picture_and_words(ctx, _illustration(ctx, "receipt"), words))


def _still_there(ctx: Ctx) -> Body:
    return Body(picture_and_words(ctx, None, [_guide(ctx, "still_there_prompt")]))


def _refused(ctx: Ctx) -> Body:
    return Body(picture_and_words(ctx, None, [_guide(ctx, "refused_help")]))


def _staff(ctx: Ctx) -> Body:
    """The lobby manager's steps are drawn by `kiosk_app.ui.staff_screens.body(screen, texts, post, theme)`."""
    try:
        from kiosk_app.ui import staff_screens
    except ImportError:  # not there yet: the words the flow gives, in a plain page
        panel = BoxLayout(orientation="vertical")
        fill(panel, ctx.theme.palette.surface)
        panel.add_widget(_guide(ctx, "help_on_way"))
        return Body(panel)
    return Body(staff_screens.body(ctx.screen, ctx.texts, ctx.post, ctx.theme))


def body_for(ctx: Ctx) -> Body:
    from kiosk_app.ui import view_forms, view_opening

    step = ctx.screen.step_id
    if step in STAFF_STEPS:
        return _staff(ctx)
    if step in PIN_STEPS:
        return _pin(ctx)
    if step in MACHINE_STEPS or step == "printing":
        return _picture_and_guide(ctx) if step == "presenting" else _machine(ctx)
    builder = BODIES.get(step) or view_forms.FORMS.get(step) or view_opening.BODIES.get(step)
    if builder is None:
        return view_forms.fields_body(ctx)
    return builder(ctx)


BODIES: dict[str, Callable[[Ctx], Body]] = {
    "idle": _idle, "await_id_card": _picture_and_guide, "face_consent": _picture_and_guide,
    "take_card": _picture_and_guide, "walk_in_form": _qr,
    "wechat_binding": _qr, "official_account": _qr, "services": _services, "signature": _signature,
    "thank_you": _thank_you, "still_there": _still_there, "refused": _refused,
}
