"""The evidence of one opening, collected as the customer goes: each agreement and consent with the digest of
the text shown and when, the fields edited at the kiosk, and the signature (strokes and the PNG drawn from them).

Why the kiosk draws the PNG: the bank keeps an image a person can look at beside the strokes that prove how it
was written; drawing it here, once, means the digest the kiosk sends is the digest of the image the bank keeps.
The evidence lives only in the session's memory: it goes to the bank with the account-opening call and is
forgotten as soon as the bank acknowledged it (`EvidenceLog.wipe`), never written to the kiosk's database.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PIL import Image, ImageDraw

from kiosk_app.assets import asset
from kiosk_app.i18n import LOCALES

MAX_STROKES = 200
MAX_POINTS = 2000  # per stroke; longer strokes are thinned evenly (the contract allows 4,000 numbers)
PNG_MAX = (800, 320)  # the image's largest size; a smaller signature is drawn at its own size
MARGIN = 16
INK_WIDTH = 5
MAX_COORDINATE = 100_000  # pad pixels; anything beyond is not a touch on a kiosk's panel


class SignatureInvalid(ValueError):
    """The strokes are not a signature (nothing drawn, or not points)."""


def text_of(item_id: str, locale: str) -> str:
    """The agreement or consent text as the kiosk shows it. Raises FileNotFoundError if the asset is missing."""
    return asset("agreements", f"{item_id}.{locale}.txt").read_text(encoding="utf-8")


def digest_of(item_id: str, locale: str) -> str:
    """The version digest of a text: SHA-256 of the UTF-8 bytes the customer was shown."""
    return hashlib.sha256(text_of(item_id, locale).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Acceptance:
    """One agreement accepted or one consent given: which text, in which language, its digest, and when."""

    item_id: str
    locale: str
    digest: str
    at: datetime


@dataclass(frozen=True)
class Signature:
    strokes: list[list[int]] = field(repr=False)
    png: bytes = field(repr=False)
    signed_at: datetime

    @property
    def png_sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class EvidenceLog:
    """What this session will prove to the bank; wiped once the bank has it or the session ends."""

    clock: Callable[[], datetime] = now_utc
    agreements: list[Acceptance] = field(default_factory=list)
    consents: list[Acceptance] = field(default_factory=list)
    edited_fields: list[str] = field(default_factory=list)
    signature: Signature | None = None

    def accept(self, agreement_id: str, locale: str) -> None:
        self.agreements.append(Acceptance(agreement_id, locale, digest_of(agreement_id, locale), self.clock()))

    def consent(self, consent_id: str, locale: str) -> None:
        """Record a consent (again replaces the earlier one: the last text shown is the one consented to)."""
        self.consents = [c for c in self.consents if c.item_id != consent_id]
        self.consents.append(Acceptance(consent_id, locale, digest_of(consent_id, locale), self.clock()))

    def edited(self, field_name: str) -> None:
        if field_name not in self.edited_fields:
            self.edited_fields.append(field_name)

    def sign(self, raw: object) -> None:
        """Keep the strokes and draw them. Raises SignatureInvalid if `raw` holds no drawable stroke."""
        strokes = normalise(raw)
        self.signature = Signature(strokes, draw_png(strokes), self.clock())

    @property
    def complete(self) -> bool:
        return self.signature is not None

    def wipe(self) -> None:
        self.agreements, self.consents, self.edited_fields, self.signature = [], [], [], None


def chosen_locale(value: object, default: str) -> str:
    """The language of the text the customer read: the touch says it (the screen may have switched to English)."""
    locale = value.get("locale") if isinstance(value, dict) else None
    return locale if locale in LOCALES else default


def normalise(raw: object) -> list[list[int]]:
    """Strokes as whole pixels from the signature's own top-left corner, thinned to the contract's limits.

    Raises SignatureInvalid if there is no stroke, too many, or a stroke is not an even list of finite numbers
    within the pad's reach.
    """
    if not isinstance(raw, list) or not raw or len(raw) > MAX_STROKES:
        raise SignatureInvalid("no strokes, or too many")
    strokes = []
    for stroke in raw:
        if (not isinstance(stroke, list) or len(stroke) < 2 or len(stroke) % 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                           and abs(v) <= MAX_COORDINATE for v in stroke)):
            raise SignatureInvalid("a stroke is not a list of x, y points on the pad")
        points = list(zip(stroke[0::2], stroke[1::2], strict=True))
        step = -(-len(points) // MAX_POINTS)
        strokes.append(points[::step])
    left = min(x for s in strokes for x, _ in s)
    top = max(y for s in strokes for _, y in s)  # the pad's y grows upwards; the image's downwards
    out = [[min(10000, round(v)) for x, y in s for v in (x - left, top - y)] for s in strokes]
    return out


def draw_png(strokes: list[list[int]]) -> bytes:
    """The strokes drawn black on white, scaled down to fit PNG_MAX, as PNG bytes (greyscale)."""
    width = max(v for s in strokes for v in s[0::2]) + 1
    height = max(v for s in strokes for v in s[1::2]) + 1
    scale = min(1.0, (PNG_MAX[0] - 2 * MARGIN) / width, (PNG_MAX[1] - 2 * MARGIN) / height)
    image = Image.new("L", (round(width * scale) + 2 * MARGIN, round(height * scale) + 2 * MARGIN), 255)
    pen = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [(MARGIN + x * scale, MARGIN + y * scale) for x, y in zip(stroke[0::2], stroke[1::2], strict=True)]
        if len(points) == 1:
            (x, y), r = points[0], INK_WIDTH / 2
            pen.ellipse((x - r, y - r, x + r, y + r), fill=0)
        else:
            pen.line(points, fill=0, width=INK_WIDTH, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
