"""A submitted page form: the raw values (shown again as typed) and one error text key per field.

Validation belongs to each area (its rules, its text keys); this is the shape every area's form takes so the
foundation's macros (`templates/forms.html`) can put each message beside its field and list them on top.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass
class Form:
    """Values as submitted (strings; lists for repeated names) and `errors`: field name -> text key."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Form:
        """From the POSTed (name, value) pairs; values are stripped, the CSRF field left out."""
        form = cls()
        for name, value in pairs:
            if name == "csrf":
                continue
            text = value.strip() if isinstance(value, str) else ""
            form.lists.setdefault(name, []).append(text)
            form.values.setdefault(name, text)
        return form

    @classmethod
    def filled(cls, values: Mapping[str, object]) -> Form:
        """A form showing stored values (lists for multi-choice fields)."""
        form = cls()
        for name, value in values.items():
            if isinstance(value, list | tuple | set):
                form.lists[name] = [str(v) for v in value]
            elif value is not None:
                form.values[name] = str(value)
        return form

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def chosen(self, name: str) -> list[str]:
        return self.lists.get(name, [])

    def is_checked(self, name: str, value: str) -> bool:
        return value in self.lists.get(name, []) or self.values.get(name) == value

    def fail(self, name: str, key: str) -> None:
        """Record the first problem of `name` (a text key of the area's catalogue)."""
        self.errors.setdefault(name, key)

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    @property
    def ok(self) -> bool:
        return not self.errors
