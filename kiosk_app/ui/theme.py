"""The one place where the customer screens get their colours and sizes (tokens), so each bank white-labels
without code and a 1920×1080 or 1080×1920 panel gets the same physical sizes.

Sizes are design units: pixels on a panel whose short side is 1080 px. `Theme.px` scales them to the window
actually open, so body text is ≥ 32 px and titles ≥ 48 px at 1080p and touch targets ≥ 80 px (15 mm on a
21.5" panel). Kivy's `dp` follows the OS's DPI setting, which on kiosk images is never configured; the short
side of the panel is the one measure every kiosk has right.

No Kivy import here: the tokens and the contrast maths are tested headless.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

RGBA = tuple[float, float, float, float]

DESIGN_SHORT_SIDE = 1080
LARGE_TEXT_FACTOR = 1.25

# Design-unit sizes at 1080p. Fonts: body ≥ 32, titles ≥ 48 (issue 12); targets ≥ 80 with ≥ 8 between.
FONT_SIZES = {"title": 54, "heading": 42, "body": 36, "small": 32, "button": 38, "huge": 72}
SPACE = {"gap": 16, "margin": 40, "target": 100, "target_min": 80, "top_bar": 112, "step_bar": 96,
         "radius": 14, "row": 104}


def hex_rgba(value: str, alpha: float = 1.0) -> RGBA:
    """'#B3122E' -> (r, g, b, a) in 0..1. Raises ValueError for anything but #RRGGBB."""
    text = value.strip()
    if len(text) != 7 or not text.startswith("#"):
        raise ValueError(f"colour {value!r} is not #RRGGBB")
    r, g, b = (int(text[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return (r, g, b, alpha)


def relative_luminance(colour: RGBA) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour."""
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: RGBA, bg: RGBA) -> float:
    """WCAG contrast ratio (1..21) between two opaque colours."""
    light, dark = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Palette:
    """Colour tokens; every `*_text`/`on_*` token is meant to be read on the surface named in TEXT_PAIRS."""

    background: RGBA
    surface: RGBA
    text: RGBA
    muted_text: RGBA
    primary: RGBA
    on_primary: RGBA
    secondary_border: RGBA
    secondary_text: RGBA
    danger: RGBA
    on_danger: RGBA
    error_text: RGBA
    success: RGBA
    top_bar: RGBA
    on_top_bar: RGBA
    selected: RGBA
    on_selected: RGBA
    disabled: RGBA
    on_disabled: RGBA
    track: RGBA
    paper: RGBA
    ink: RGBA


# (foreground token, background token): every pair a customer reads text in. The contrast test walks these.
TEXT_PAIRS = (
    ("text", "background"), ("text", "surface"), ("muted_text", "background"), ("muted_text", "surface"),
    ("on_primary", "primary"), ("secondary_text", "surface"), ("secondary_text", "background"),
    ("on_danger", "danger"), ("danger", "surface"), ("error_text", "background"), ("error_text", "surface"),
    ("on_top_bar", "top_bar"),
    ("on_selected", "selected"), ("on_disabled", "disabled"), ("ink", "paper"), ("primary", "background"),
)


def standard_palette(primary: RGBA) -> Palette:
    """The bank's colour on a warm white page; dark grey text (not black: less glare on a lit panel)."""
    return Palette(
        background=hex_rgba("#F5F4F0"), surface=hex_rgba("#FFFFFF"), text=hex_rgba("#1F1F1F"),
        muted_text=hex_rgba("#555555"), primary=primary, on_primary=hex_rgba("#FFFFFF"),
        secondary_border=hex_rgba("#6B6B6B"), secondary_text=hex_rgba("#1F1F1F"), danger=hex_rgba("#A61B1B"),
        on_danger=hex_rgba("#FFFFFF"), error_text=hex_rgba("#A61B1B"), success=hex_rgba("#1E7B34"),
        top_bar=primary, on_top_bar=hex_rgba("#FFFFFF"), selected=hex_rgba("#E6F2E9"),
        on_selected=hex_rgba("#14351E"), disabled=hex_rgba("#D6D6D6"), on_disabled=hex_rgba("#4A4A4A"),
        track=hex_rgba("#DDDBD5"), paper=hex_rgba("#FFFFFF"), ink=hex_rgba("#0A1E5A"),
    )


def high_contrast_palette() -> Palette:
    """White and yellow on black: the customer's switch for low vision (WCAG AAA for body text)."""
    black, white, yellow = hex_rgba("#000000"), hex_rgba("#FFFFFF"), hex_rgba("#FFE14D")
    return Palette(
        background=black, surface=hex_rgba("#111111"), text=white, muted_text=hex_rgba("#E0E0E0"),
        primary=yellow, on_primary=black, secondary_border=white, secondary_text=white,
        danger=hex_rgba("#FF9C9C"), on_danger=black, error_text=hex_rgba("#FF9C9C"), success=hex_rgba("#7CFC9A"),
        top_bar=black, on_top_bar=yellow, selected=yellow, on_selected=black, disabled=hex_rgba("#333333"),
        on_disabled=hex_rgba("#CCCCCC"), track=hex_rgba("#444444"), paper=white, ink=black,
    )


@dataclass(frozen=True)
class Theme:
    """Tokens for one window: palette, bank identity, and the scale from design units to window pixels."""

    palette: Palette
    bank_name: str = "演示银行"
    logo: Path | None = None
    window_size: tuple[int, int] = (1920, 1080)
    text_scale: float = 1.0
    large_text: bool = False
    high_contrast: bool = False
    brand_primary: RGBA = field(default=hex_rgba("#B3122E"))

    @classmethod
    def create(cls, *, primary_color: str = "#B3122E", bank_name: str = "演示银行", logo: Path | None = None,
               window_size: tuple[int, int] = (1920, 1080), text_scale: float = 1.0,
               high_contrast: bool = False) -> Theme:
        """A theme from the bank's branding. Raises ValueError if the colour is not #RRGGBB."""
        primary = hex_rgba(primary_color)
        palette = high_contrast_palette() if high_contrast else standard_palette(primary)
        return cls(palette, bank_name, logo, window_size, text_scale, False, high_contrast, primary)

    @property
    def portrait(self) -> bool:
        return self.window_size[1] > self.window_size[0]

    @property
    def scale(self) -> float:
        return min(self.window_size) / DESIGN_SHORT_SIDE

    def px(self, design_units: float) -> float:
        """A layout size (padding, target height) in window pixels."""
        return design_units * self.scale

    def font(self, role: str) -> float:
        """A font size in window pixels for a typography role (title, heading, body, small, button, huge)."""
        factor = self.text_scale * (LARGE_TEXT_FACTOR if self.large_text else 1.0)
        return FONT_SIZES[role] * self.scale * factor

    def space(self, name: str) -> float:
        size = SPACE[name] * self.scale
        if self.large_text and name in ("target", "row", "top_bar"):
            size *= LARGE_TEXT_FACTOR
        return size

    def with_window(self, size: tuple[int, int]) -> Theme:
        return replace(self, window_size=(int(size[0]), int(size[1])))

    def with_access(self, *, large_text: bool, high_contrast: bool) -> Theme:
        """The customer's accessibility switches applied (the brand colour is kept for the standard mode)."""
        palette = high_contrast_palette() if high_contrast else standard_palette(self.brand_primary)
        return replace(self, palette=palette, large_text=large_text, high_contrast=high_contrast)

    def contrast_failures(self, minimum: float = 4.5) -> list[tuple[str, str, float]]:
        """Text colour pairs below `minimum` (WCAG 2.2 AA is 4.5:1): a bank colour too light for white text."""
        failures = []
        for fg, bg in TEXT_PAIRS:
            ratio = contrast_ratio(getattr(self.palette, fg), getattr(self.palette, bg))
            if ratio < minimum:
                failures.append((fg, bg, round(ratio, 2)))
        return failures
