"""Screen description -> widget tree: the bank's frame (top bar, step bar, title, countdown, errors, actions)
around a body chosen by step id (`view_bodies.BODIES`).

The view never decides anything about the journey: it shows `screen.data`, translates `screen.errors`, and
turns a touch on an action into `Touch(action, value)` through `post`. What it does decide is presentation:
which action is the primary one, whether Cancel asks first, which switches the top bar offers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk_app.flow.events import Event, StaffDecision, Touch
from kiosk_app.flow.screens import Screen
from kiosk_app.ui.chrome import CountdownRing, stage_index, step_bar, top_bar
from kiosk_app.ui.components import ThemedButton, action_row, fill, text
from kiosk_app.ui.icons import Icon
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.theme import Theme
from kiosk_app.ui.view_bodies import Body, Ctx, body_for

Post = Callable[[Event], None]

PRIMARY_ACTIONS = ("confirm", "agree", "consent", "sign", "done", "extend", "walk_in", "approve", "answer")
DANGER_ACTIONS = ("decline",)
LEFT_ACTIONS = ("cancel",)
INLINE_ACTIONS = {"edit", "answer", "toggle", "choose"}
# Where the customer may change language (before any personal data is on screen, and on the ID-card step).
LANGUAGE_STEPS = {"idle", "await_id_card"}
@dataclass
class Controls:
    """The customer's own switches (language, large text/high contrast, sound); the app owns their state and
    redraws the screen when one changes. Without callbacks (tests, the gallery) the switches are drawn only."""

    large_text: bool = False
    sound_step: int = 2  # 0 silent .. 3 loud (voice.VOLUME_STEPS)
    on_language: Callable[[], None] | None = None
    on_access: Callable[[], None] | None = None
    on_sound: Callable[[], None] | None = None


def default_theme(bank_name: str) -> Theme:
    """The bank's default look at the open window's size (tests and the gallery; the app passes its own)."""
    from kivy.core.window import Window  # importing it opens the window: only once one is wanted

    return Theme.create(bank_name=bank_name, window_size=tuple(Window.size))


def _switches(screen: Screen, texts: Texts, theme: Theme, controls: Controls) -> list[Widget]:
    def button(label: str, callback: Callable[[], None] | None, width: float) -> ThemedButton:
        widget = ThemedButton(theme, "on_bar", text=label, size_hint_x=None, width=theme.px(width),
                              height=theme.space("target_min") * (1.1 if theme.large_text else 1.0),
                              font_size=theme.font("small"))
        if callback is not None:
            widget.bind(on_release=lambda b: callback())
        return widget

    found: list[Widget] = []
    if screen.step_id in LANGUAGE_STEPS or screen.data.get("offer_english"):
        found.append(button(texts.get("switch_language"), controls.on_language, 200))
    access = texts.get("large_text_off" if controls.large_text else "large_text_on")
    found.append(button(access, controls.on_access, 240))
    sound = button("", controls.on_sound, 110)
    sound.add_widget(Icon(theme, f"speaker_{controls.sound_step}", theme.palette.on_top_bar, 56))
    sound.bind(pos=lambda b, p: setattr(b.children[0], "center", b.center),
               size=lambda b, s: setattr(b.children[0], "center", b.center))
    sound.accessibility_text = texts.get("sound_off" if controls.sound_step == 0 else "sound_on")
    found.append(sound)
    return found


class _Modal(FloatLayout):
    """Takes every touch: its own buttons react, nothing underneath does."""

    def on_touch_down(self, touch) -> bool:
        super().on_touch_down(touch)
        return True


def cancel_question(texts: Texts, theme: Theme, post: Post) -> FloatLayout:
    """The flow asks "really cancel?" (Screen.confirm): Yes, stop (danger) or Keep going (primary), over a dimmed
    screen. Part of the screen's tree, so the next screen replaces it."""
    overlay = _Modal()
    fill(overlay, (0, 0, 0, 0.6))
    box = BoxLayout(orientation="vertical", padding=theme.px(40), spacing=theme.space("gap") * 2,
                    size_hint=(0.85 if theme.portrait else 0.6, None), pos_hint={"center_x": 0.5, "center_y": 0.5})
    box.bind(minimum_height=box.setter("height"))
    fill(box, theme.palette.surface, radius=theme.space("radius"))
    box.add_widget(text(theme, texts.get("cancel_confirm"), "heading", bold=True, halign="center"))
    keep = ThemedButton(theme, "primary", text=texts.get("cancel_keep_going"), size_hint_x=None,
                        width=theme.px(340))
    stop = ThemedButton(theme, "danger", text=texts.get("cancel_yes"), size_hint_x=None, width=theme.px(340))
    keep.bind(on_release=lambda b: post(Touch("keep")))
    stop.bind(on_release=lambda b: post(Touch("cancel")))
    box.add_widget(action_row(theme, [stop], [keep]))
    overlay.add_widget(box)
    return overlay


def _action_button(action: str, ctx: Ctx, body: Body) -> ThemedButton:
    kind = ("primary" if action in PRIMARY_ACTIONS else "danger" if action in DANGER_ACTIONS
            else "quiet" if action in LEFT_ACTIONS else "secondary")
    button = ThemedButton(ctx.theme, kind, text=ctx.texts.action(action), size_hint_x=None,
                          width=ctx.theme.px(360 if kind == "primary" else 240), fit_text=True)
    if action in ("approve", "decline"):
        button.bind(on_release=lambda b: ctx.post(StaffDecision(action == "approve")))
    elif action in body.values:
        button.bind(on_release=lambda b: ctx.post(Touch(action, body.values[action]())))
    else:
        button.bind(on_release=lambda b: ctx.post(Touch(action)))
    if action in body.gates:
        body.gates[action](button)
    return button


def _actions(ctx: Ctx, body: Body) -> BoxLayout:
    left: list[Widget] = []
    right: list[Widget] = []
    for action in ctx.screen.actions:
        if action in INLINE_ACTIONS:
            continue
        button = _action_button(action, ctx, body)
        (right if button.kind in ("primary", "danger") and action not in LEFT_ACTIONS else left).append(button)
    left.extend(body.extra_left)
    return action_row(ctx.theme, left, right)


def _title_row(ctx: Ctx, countdown: CountdownRing) -> BoxLayout:
    row = BoxLayout(size_hint_y=None, spacing=ctx.theme.space("gap"))
    title = text(ctx.theme, ctx.texts.title(ctx.screen.step_id), "title", bold=True)
    row.add_widget(title)
    title.bind(height=lambda w, h: setattr(row, "height", max(h, countdown.height)))
    if ctx.screen.timeout_s:
        row.add_widget(countdown)
    return row


def _errors(ctx: Ctx) -> list[Widget]:
    banners = []
    for key in ctx.screen.errors.values():
        banner = text(ctx.theme, ctx.texts.error(key), "body", colour=ctx.theme.palette.error_text, bold=True,
                      padding=(ctx.theme.px(24), ctx.theme.px(8)))
        fill(banner, ctx.theme.palette.surface, border=ctx.theme.palette.error_text, border_width=ctx.theme.px(3))
        banners.append(banner)
    return banners


def build_view(screen: Screen, texts: Texts, post: Post, *, bank_name: str, theme: Theme | None = None,
               controls: Controls | None = None) -> tuple[Widget, CountdownRing]:
    """The screen's widget tree, and the countdown ring the app updates every second (in place)."""
    theme = theme or default_theme(bank_name)
    controls = controls or Controls(large_text=theme.large_text)
    ctx = Ctx(screen, texts, post, theme)
    root = BoxLayout(orientation="vertical")
    fill(root, theme.palette.background)
    root.add_widget(top_bar(theme, _switches(screen, texts, theme, controls)))
    stage = stage_index(screen.step_id)
    if stage is not None:
        root.add_widget(step_bar(theme, texts, stage))
    page = BoxLayout(orientation="vertical", padding=theme.space("margin"), spacing=theme.space("gap"))
    countdown = CountdownRing(theme, screen.timeout_s or 0, texts.seconds)
    page.add_widget(_title_row(ctx, countdown))
    for banner in _errors(ctx):
        page.add_widget(banner)
    body = body_for(ctx)
    page.add_widget(body.widget)
    page.add_widget(_actions(ctx, body))
    root.add_widget(page)
    if screen.confirm == "cancel":
        layered = FloatLayout()
        layered.add_widget(root)
        layered.add_widget(cancel_question(texts, theme, post))
        return layered, countdown
    return root, countdown
