"""Translated texts for the screens, read from the one message catalogue (`kiosk_app/i18n.py`).

New keys go into `assets/i18n/zh_CN.toml` and `assets/i18n/en.toml` (both), in the section the method below
reads; `kiosk_app/ui/translations/` is gone. `Texts` serves the customer's screens, `ManagerTexts` the lobby
manager's console; both answer an unknown key with the key itself, which the rendered-screens test catches.
"""

from __future__ import annotations

from typing import Any

from kiosk_app import i18n


class Texts:
    def __init__(self, locale: str = i18n.DEFAULT_LOCALE) -> None:
        self.locale = locale

    def _t(self, section: str, key: Any) -> str:
        return i18n.text(self.locale, section, str(key))

    def title(self, step_id: str) -> str:
        return self._t("title", step_id)

    def action(self, action: str) -> str:
        return self._t("action", action)

    def service(self, service: str) -> str:
        return self._t("service", service)

    def field(self, name: str) -> str:
        return self._t("field", name)

    def error(self, key: str) -> str:
        return self._t("error", key)

    def staff(self, key: str) -> str:
        """The lobby manager's words for a reason or error key (the customer's words when staff have none)."""
        if i18n.has_text(self.locale, "staff", key):
            return self._t("staff", key)
        return self.error(key)

    def occupation(self, code: str) -> str:
        return self._t("occupation", code)

    def question(self, question_id: str) -> str:
        return self._t("question", question_id)

    def step(self, step_id: str) -> str:
        """A journey step named for people (where a "resume" or "at_state" points)."""
        return self._t("step", step_id)

    def outcome(self, outcome: str) -> str:
        """A session outcome as the lobby manager reads it: "refused:card_jam" -> 未办成（发卡机卡卡）."""
        kind, _, reason = outcome.partition(":")
        label = self._t("outcome", kind)
        return label if not reason else self.format("outcome_with_reason", outcome=label, reason=self.staff(reason))

    def value(self, key: str, value: Any) -> str:
        """A field's value as the customer reads it (codes and lists translated)."""
        if key == "occupation":
            return self.occupation(str(value))
        if key in ("tax_status", "account_class", "level", "income_band"):
            return self._t(key, value)
        if key in ("reason", "resume", "path"):
            return {"reason": self.staff, "resume": self.step, "path": lambda v: self._t("path", v)}[key](str(value))
        if key == "services" and isinstance(value, list):
            return self.get("list_separator").join(self.service(v) for v in value)
        return str(value)

    def get(self, key: str) -> str:
        return self._t("text", key)

    def format(self, key: str, **values: Any) -> str:
        """A text with placeholders, e.g. format("countdown", seconds=30) -> "30 秒"."""
        return self.get(key).format(**values)

    def seconds(self, seconds: int) -> str:
        """The countdown's words: the unit spelled out, never a bare "s"."""
        return self.format("countdown", seconds=seconds)


class ManagerTexts:
    """The console's words in one language: sections title, action, field, error, device, state, severity."""

    def __init__(self, locale: str = i18n.DEFAULT_LOCALE) -> None:
        self.locale = locale
        self.customer = Texts(locale)

    def get(self, section: str, key: str) -> str:
        return i18n.text(self.locale, f"manager.{section}", str(key))

    def has(self, section: str, key: str) -> bool:
        return i18n.has_text(self.locale, f"manager.{section}", str(key))
