"""What frames every customer screen: the bank's top bar, the step bar with named stages, the countdown ring.

Stages group the journey's steps the way bank machines name them (核对信息 · 风险测评 · 签署协议 · 领卡设密 ·
开通服务); which step belongs to which stage is presentation, so it lives here, beside the bar that draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.clock import Clock, ClockEvent
from kivy.graphics import Color, Ellipse, Line
from kivy.properties import NumericProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk_app.ui.components import fill, text
from kiosk_app.ui.texts import Texts
from kiosk_app.ui.theme import Theme

STAGES = ("check", "risk", "sign", "card", "services")
STAGE_OF_STEP = {
    "await_id_card": "check", "face_consent": "check", "review": "check", "tax_residency": "check",
    "staff_needed": "check",
    "risk_assessment": "risk", "risk_redo": "risk",
    "agreements": "sign", "sensitive_consent": "sign", "signature": "sign",
    "services": "sign", "credit_card_product": "sign", "credit_card_details": "sign", "credit_report_consent": "sign",
    "dispensing": "card", "reading_card": "card", "binding": "card", "setting_pin": "card", "pin_first": "card",
    "pin_confirm": "card", "pin_weakPin": "card", "pin_pinMismatch": "card", "presenting": "card",
    "take_card": "card", "retaining": "card", "opening_account": "card",
    "ebanking_sms": "services", "login_first": "services", "login_confirm": "services", "login_weakPin": "services",
    "login_pinMismatch": "services",
    "activating": "services", "printing": "services", "wechat_binding": "services",
    "official_account": "services", "thank_you": "services",
}


def stage_index(step_id: str) -> int | None:
    """0..4 for a step inside the journey's stages; None for the welcome, walk-in form and end screens."""
    stage = STAGE_OF_STEP.get(step_id)
    return STAGES.index(stage) if stage else None


class Emblem(Widget):
    """The bank's logo file when configured, else a round mark with the name's first character."""

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(size_hint=(None, None), size=(theme.px(72), theme.px(72)), **kwargs)
        if theme.logo is not None and Path(theme.logo).is_file():
            self.add_widget(Image(source=str(theme.logo), size=self.size, fit_mode="contain"))
            self.bind(pos=lambda w, pos: setattr(w.children[0], "pos", pos))
            return
        with self.canvas:
            Color(*theme.palette.on_top_bar)
            ring = Ellipse()
            Color(*theme.palette.top_bar)
            inner = Ellipse()
        mark = Label(text=theme.bank_name[:1], bold=True, font_size=theme.font("heading"),
                     color=theme.palette.on_top_bar)
        self.add_widget(mark)

        def follow(*_: object) -> None:
            ring.pos, ring.size = self.pos, self.size
            inset = self.width * 0.08
            inner.pos, inner.size = (self.x + inset, self.y + inset), (self.width - 2 * inset, self.height - 2 * inset)
            mark.pos, mark.size = self.pos, self.size

        self.bind(pos=follow, size=follow)
        follow()


def top_bar(theme: Theme, controls: list[Widget]) -> BoxLayout:
    """Logo and bank name on the left, the customer's switches (language, large text, sound) on the right."""
    bar = BoxLayout(size_hint_y=None, height=theme.space("top_bar"), padding=(theme.px(32), theme.px(16)),
                    spacing=theme.space("gap"))
    fill(bar, theme.palette.top_bar)
    anchor = AnchorLayout(size_hint_x=None, width=theme.px(80))
    anchor.add_widget(Emblem(theme))
    bar.add_widget(anchor)
    bar.add_widget(text(theme, theme.bank_name, "heading", colour=theme.palette.on_top_bar, bold=True, grow=False))
    for control in controls:
        bar.add_widget(control)
    return bar


class StageMark(Widget):
    """One stage's circle: done (filled, check mark), current (filled, number), ahead (outline, number)."""

    def __init__(self, theme: Theme, number: int, state: str, **kwargs: object) -> None:
        size = theme.px(56) * (1.15 if theme.large_text else 1.0)
        super().__init__(size_hint=(None, None), size=(size, size), **kwargs)
        p = theme.palette
        self.state = state
        with self.canvas:
            Color(*(p.success if state == "done" else p.primary if state == "current" else p.track))
            self._disc = Ellipse()
            Color(*p.on_primary)
            self._check = Line(width=max(2.0, theme.px(5)), cap="round", joint="round")
        self._number = Label(text="" if state == "done" else str(number), bold=True, font_size=theme.font("small"),
                             color=p.on_primary if state == "current" else p.text)
        self.add_widget(self._number)
        self.bind(pos=self._follow, size=self._follow)
        self._follow()

    def _follow(self, *_: object) -> None:
        self._disc.pos, self._disc.size = self.pos, self.size
        self._number.pos, self._number.size = self.pos, self.size
        if self.state == "done":
            x, y, w = self.x, self.y, self.width
            self._check.points = [x + w * 0.27, y + w * 0.50, x + w * 0.44, y + w * 0.33, x + w * 0.74, y + w * 0.66]


def step_bar(theme: Theme, texts: Texts, current: int) -> BoxLayout:
    """Five named stages in a row; in portrait the names shrink rather than wrap under the marks."""
    bar = BoxLayout(size_hint_y=None, height=theme.space("step_bar"), padding=(theme.px(32), theme.px(12)),
                    spacing=theme.px(8))
    fill(bar, theme.palette.surface)
    for index, stage in enumerate(STAGES):
        state = "done" if index < current else "current" if index == current else "ahead"
        named = state == "current" or not theme.portrait  # a portrait panel names only the current stage
        cell = BoxLayout(spacing=theme.px(10), size_hint_x=(3 if theme.portrait and named else 1))
        anchor = AnchorLayout(size_hint_x=None, width=theme.px(64))
        anchor.add_widget(StageMark(theme, index + 1, state))
        cell.add_widget(anchor)
        role = "small"
        colour = theme.palette.text if state == "current" else theme.palette.muted_text
        if named:
            cell.add_widget(text(theme, texts.get(f"stage_{stage}"), role, colour=colour, bold=state == "current",
                                 grow=False, shorten=True, shorten_from="right"))
        bar.add_widget(cell)
    return bar


class CountdownRing(BoxLayout):
    """A ring that empties as the step's time runs out, beside the time left in words ("45 秒")."""

    seconds = NumericProperty(0)

    def __init__(self, theme: Theme, total: int, words: Callable[[int], str], **kwargs: object) -> None:
        super().__init__(orientation="horizontal", size_hint=(None, None), spacing=theme.px(12),
                         size=(theme.px(300) * (1.25 if theme.large_text else 1), theme.px(88)), **kwargs)
        self.theme, self.total, self.words = theme, max(1, total), words
        p = theme.palette
        self.ring = Widget(size_hint_x=None, width=theme.px(80))
        with self.ring.canvas:
            Color(*p.track)
            self._track = Line(width=max(2.0, theme.px(9)))
            self._arc_colour = Color(*p.primary)
            self._arc = Line(width=max(2.0, theme.px(9)), cap="round")
        self.add_widget(self.ring)
        self.label = Label(font_size=theme.font("heading"), bold=True, color=p.text, size_hint_x=None)
        self.label.bind(texture_size=self._fit)
        self.add_widget(self.label)
        self.bind(seconds=self._redraw)
        self.ring.bind(pos=self._redraw, size=self._redraw)
        self.seconds = total

    def _fit(self, label: Label, size: tuple[float, float]) -> None:
        """One line, however long the words ("90 seconds"): the ring grows sideways instead of wrapping."""
        label.width = size[0]
        self.width = self.ring.width + self.spacing + size[0]

    def _redraw(self, *_: object) -> None:
        cx, cy = self.ring.center
        radius = min(self.ring.width, self.ring.height) / 2 - self.theme.px(6)
        self._track.circle = (cx, cy, radius)
        fraction = max(0.0, min(1.0, self.seconds / self.total))
        self._arc.circle = (cx, cy, radius, 0, 360 * fraction)
        self._arc_colour.rgba = self.theme.palette.danger if self.seconds <= 10 else self.theme.palette.primary
        self.label.text = self.words(int(self.seconds))

    @property
    def text(self) -> str:
        """What the countdown says ("45 秒"), for tests and the rendered-screen checks."""
        return self.label.text


class Spinner(Widget):
    """An arc that turns while a machine works (dispensing, reading the chip, printing)."""

    angle = NumericProperty(0)

    def __init__(self, theme: Theme, **kwargs: object) -> None:
        super().__init__(size_hint=(None, None), size=(theme.px(120), theme.px(120)), **kwargs)
        with self.canvas:
            Color(*theme.palette.track)
            self._track = Line(width=max(2.0, theme.px(10)))
            Color(*theme.palette.primary)
            self._arc = Line(width=max(2.0, theme.px(10)), cap="round")
        self._width = theme.px(10)
        self.bind(pos=self._redraw, size=self._redraw, angle=self._redraw)
        self._redraw()

    def _redraw(self, *_: object) -> None:
        cx, cy = self.center
        radius = self.width / 2 - self._width
        self._track.circle = (cx, cy, radius)
        self._arc.circle = (cx, cy, radius, self.angle, self.angle + 100)

    def turn(self, dt: float) -> None:
        """Advance by one frame (the app's clock calls this; a test can call it too)."""
        self.angle = (self.angle + 360 * dt * 0.8) % 360


def every_spinner(root: Widget) -> Callable[[float], None] | None:
    """One clock callback that turns every spinner under `root` (no per-widget clocks to leak); None if none."""
    spinners = [w for w in root.walk() if isinstance(w, Spinner)]
    if not spinners:
        return None

    def turn(dt: float) -> None:
        for spinner in spinners:
            spinner.turn(dt)

    return turn



def start_spinners(root: Widget) -> ClockEvent | None:
    """Turn every spinner under `root` once per frame (the turn follows the elapsed time, so the speed does not
    depend on the frame rate); the caller cancels the returned event when the screen goes. None if none.

    Why every frame and not a fixed 30 Hz: a 33 ms interval on a 60 fps clock fires on the first frame after it
    is due, so frames came 33 or 50 ms apart (and 60+ ms under load): the spinner stuttered and the frame
    interval's p99 was 45-68 ms. Per frame it is the frame cap's ~17-20 ms (benchmarks/ui.py)."""
    turn = every_spinner(root)
    return Clock.schedule_interval(turn, 0) if turn is not None else None
