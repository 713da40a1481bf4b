"""Page texts: one TOML file per area and locale (`<dir>/<locale>.toml`), zh_CN first with an English switch.

Why per-area files: each area (phone, payroll, staff) owns its texts and merges touch one file; the common
texts (layout, errors, the language switch) live in `web/texts/`. Keys are dotted ("sign_in.title"); a text
may carry `{name}` placeholders filled by `t(key, name=...)`. A missing key raises (tests render every page in
both locales, so a key missing in one locale fails a test, not a customer).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


class MissingText(KeyError):
    """A page asked for a text key that its area's catalogue does not have."""


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def load_catalogue(dirs: Iterable[Path], locale: str) -> dict[str, str]:
    """The texts of `locale` from each dir's `<locale>.toml`, later dirs overriding earlier ones."""
    texts: dict[str, str] = {}
    for directory in dirs:
        path = directory / f"{locale}.toml"
        if path.exists():
            texts.update(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))
    return texts


class Texts:
    """One locale's texts for one area: `t(key, **values)`."""

    def __init__(self, locale: str, texts: dict[str, str]) -> None:
        self.locale, self._texts = locale, texts

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self._texts[key]
        except KeyError:
            raise MissingText(f"{self.locale}: no text {key!r}") from None
        return text.format(**values) if values else text

    def extend(self, texts: dict[str, str]) -> None:
        """Add texts an area borrows from another owner's catalogue (e.g. the kiosk's occupation names)."""
        self._texts.update(texts)

    def has(self, key: str) -> bool:
        return key in self._texts

    def keys(self) -> set[str]:
        return set(self._texts)


def pick_locale(query: str | None, cookie: str | None) -> str:
    """The page's locale: an explicit `?lang=` first, then the cookie, then zh_CN."""
    for wanted in (query, cookie):
        if wanted in LOCALES:
            return wanted  # type: ignore[return-value]
    return DEFAULT_LOCALE
