"""Every error key the journey can show has the customer's words (zh, en); staff keys have the manager's too."""

from __future__ import annotations

import re
from pathlib import Path

from central_api_client import tokens
from kiosk_app import i18n
from kiosk_app.flow.adapters.issuer import STATUS_KEYS
from kiosk_app.flow.messages import MESSAGES
from kiosk_app.flow.screen_builder import _STAFF_KEYS

FLOW = Path(__file__).resolve().parents[2] / "kiosk_app" / "flow"
KEY_CALLS = re.compile(r'(?:base=|refuse\(|request_staff\(|PortError\(|IdCardUnreadable\()"([a-z0-9_]+)"')


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in FLOW.rglob("*.py"):
        keys |= set(KEY_CALLS.findall(path.read_text(encoding="utf-8")))
    keys |= {cls.code for cls in (tokens.TokenError, *tokens.TokenError.__subclasses__())}
    keys |= {key for key, _ in STATUS_KEYS.values()}
    return keys


def test_every_key_the_flow_raises_is_listed_and_has_customer_text_in_every_locale() -> None:
    assert sorted(k for k in used_keys() if k not in MESSAGES) == []
    for locale in i18n.LOCALES:
        assert [k for k in MESSAGES if not i18n.has_text(locale, "error", k)] == [], locale


def test_every_staff_key_tells_the_lobby_manager_something_in_every_locale() -> None:
    for locale in i18n.LOCALES:
        assert [k for k in _STAFF_KEYS if not i18n.has_text(locale, "staff", k)] == [], locale
