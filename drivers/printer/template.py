"""Receipt templates: a readable text format in, a checked list of printable elements out.

Template lines (one element each; directives first, then text with `{field}` placeholders):

    @center @bold @double {bank_name}
    客户：{customer_name}
    @rule
    @center @qr {official_account_url}
    @feed 2

`@qr` prints its text as a QR code, `@rule` a full-width line, `@feed N` N blank lines; `@left`, `@center`,
`@right`, `@bold` and `@double` style the line. Every receipt ends with a cut, which the printer adds.
Personal fields (`PERSONAL_FIELDS`) must be `Masked` values, and every rendered line is scanned for unmasked
card, ID and mobile numbers, so no template or caller mistake can print one.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from drivers.printer.pii import Masked, UnmaskedDataError, check_clean

PERSONAL_FIELDS = frozenset(
    {"card_number", "pan", "id_number", "customer_name", "name", "mobile", "phone", "account_number"}
)
ALIGNS = ("left", "center", "right")


@dataclass(frozen=True)
class TextLine:
    """A line of text with its style."""

    text: str
    align: str = "left"
    bold: bool = False
    double: bool = False


@dataclass(frozen=True)
class QrCode:
    """A QR code; `size` is the module size in dots (1-16)."""

    data: str
    align: str = "center"
    size: int = 6


@dataclass(frozen=True)
class Rule:
    """A full-width horizontal line."""


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


Element = TextLine | QrCode | Rule | Feed


@dataclass(frozen=True)
class Receipt:
    """A rendered, checked receipt: what the printer prints and the preview draws."""

    elements: tuple[Element, ...]

    def plain_text(self) -> str:
        """All text and QR payloads, one per line (what the PII check and searches look at)."""
        parts = [e.text if isinstance(e, TextLine) else e.data for e in self.elements
                 if isinstance(e, TextLine | QrCode)]
        return "\n".join(parts)


class TemplateError(ValueError):
    """A template line or field is malformed."""


@dataclass(frozen=True)
class ReceiptTemplate:
    """A parsed template; `render()` fills it."""

    lines: tuple[str, ...]

    @classmethod
    def from_text(cls, text: str) -> ReceiptTemplate:
        return cls(tuple(text.strip("\n").splitlines()))

    def fields(self) -> set[str]:
        """Placeholder names the template uses."""
        names = set()
        for line in self.lines:
            names |= {name for _, name, _, _ in string.Formatter().parse(line) if name}
        return names

    def render(self, values: Mapping[str, str | Masked]) -> Receipt:
        """Fill the placeholders and check the result.

        Raises TemplateError for a missing field or bad directive, UnmaskedDataError if a personal field is
        not `Masked` or any line would print unmasked personal data.
        """
        missing = self.fields() - set(values)
        if missing:
            raise TemplateError(f"template fields without values: {sorted(missing)}")
        for name in self.fields() & PERSONAL_FIELDS:
            if not isinstance(values[name], Masked):
                raise UnmaskedDataError(f"field {name!r} must be masked before printing")
        safe = {k: str(v) for k, v in values.items()}
        elements = tuple(_element(line, safe, n) for n, line in enumerate(self.lines, 1))
        receipt = Receipt(elements)
        for n, element in enumerate(elements, 1):
            if isinstance(element, TextLine | QrCode):
                check_clean(f"template line {n}", element.text if isinstance(element, TextLine) else element.data)
        return receipt


def _element(line: str, values: Mapping[str, str], lineno: int) -> Element:
    """One template line as an element: directives are read before filling, so a value cannot inject one.

    Raises TemplateError for an unknown directive.
    """
    words = line.split(" ")
    style: dict[str, object] = {}
    while words and words[0].startswith("@"):
        word = words.pop(0)[1:]
        rest = " ".join(words).format_map(values)
        if word == "qr":
            return QrCode(rest.strip(), str(style.get("align", "center")))
        if word == "rule":
            return Rule()
        if word == "feed":
            if not (rest or "1").strip().isdigit():
                raise TemplateError(f"@feed needs a number on template line {lineno}")
            return Feed(int(rest or "1"))
        if word in ALIGNS:
            style["align"] = word
        elif word in ("bold", "double"):
            style[word] = True
        else:
            raise TemplateError(f"unknown directive @{word} on template line {lineno}")
    return TextLine(" ".join(words).format_map(values), **style)  # type: ignore[arg-type]
