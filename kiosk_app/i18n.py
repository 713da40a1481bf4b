"""The message catalogue: every text a customer or lobby manager sees, one TOML file per locale.

Why TOML files under `assets/i18n/` and not gettext: the code already names every text by a stable id (step
ids, action names, error keys), so a catalogue keyed by id needs no extraction step and no compiled `.mo`;
`tomllib` is in the standard library, so the headless flow (no Kivy) reads the same file as the screens; a
bank white-labels its wording by editing two text files. `tests/ui/test_catalogue.py` keeps the locales in
step and every key the code uses present.

A missing text comes back as its key (never a blank): the rendered-screens test then finds it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from typing import Any

from kiosk_app.assets import asset

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"


@cache
def catalogue(locale: str) -> Mapping[str, Any]:
    """The whole catalogue of `locale` (an unknown locale reads English). Raises FileNotFoundError if missing."""
    name = locale if locale in LOCALES else "en"
    return tomllib.loads(asset("i18n", f"{name}.toml").read_text(encoding="utf-8"))


def section(locale: str, name: str) -> Mapping[str, str]:
    """One section, e.g. "title" or "manager.action"; empty when the catalogue has none."""
    table: Any = catalogue(locale)
    for part in name.split("."):
        table = table.get(part, {}) if isinstance(table, Mapping) else {}
    return table


def text(locale: str, name: str, key: str) -> str:
    """The text for `key` in section `name`, or the key itself when the catalogue lacks it."""
    found = section(locale, name).get(str(key))
    return found if isinstance(found, str) else str(key)


def has_text(locale: str, name: str, key: str) -> bool:
    return isinstance(section(locale, name).get(str(key)), str)
