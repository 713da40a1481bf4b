"""Translated texts for the screens: titles, actions, fields (JSON beside this module) and error messages."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from kiosk_app.flow.messages import MESSAGES, customer_text


@cache
def _table(locale: str) -> dict[str, Any]:
    name = "zh_CN.json" if locale == "zh_CN" else "en.json"
    return json.loads((resources.files("kiosk_app.ui") / "translations" / name).read_text(encoding="utf-8"))


class Texts:
    def __init__(self, locale: str = "zh_CN") -> None:
        self.locale = locale
        self.table = _table(locale)

    def title(self, step_id: str) -> str:
        return self.table["title"].get(step_id, step_id)

    def action(self, action: str) -> str:
        return self.table["action"].get(action, action)

    def service(self, service: str) -> str:
        return self.table["service"].get(service, service)

    def field(self, name: str) -> str:
        return self.table["field"].get(name, name)

    def error(self, key: str) -> str:
        return customer_text(key, self.locale) if key in MESSAGES else key

    def occupation(self, code: str) -> str:
        return self.table["occupation"].get(code, code)

    def question(self, question_id: str) -> str:
        return self.table["question"].get(question_id, question_id)

    def value(self, key: str, value: Any) -> str:
        """A field's value as the customer reads it (codes and lists translated)."""
        if key == "occupation":
            return self.occupation(str(value))
        if key == "tax_status":
            return self.table["tax_status"].get(str(value), str(value))
        if key == "account_class":
            return self.table["account_class"].get(str(value), str(value))
        if key == "services" and isinstance(value, list):
            return "、".join(self.service(v) for v in value) if self.locale == "zh_CN" else ", ".join(
                self.service(v) for v in value)
        return str(value)

    def get(self, key: str) -> str:
        return self.table.get(key, key)
