"""docs/security.md stays true: every mitigation names a test, and every test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
# "tests/x/test_y.py::test_z" names a test; a following "`::test_w`" in the same cell names another in that file.
REF = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def _references(text: str) -> list[tuple[str, str | None]]:
    found, current = [], None
    for m in REF.finditer(text):
        if m.group(1):
            current = m.group(1)
            found.append((current, m.group(2)))
        elif current:
            found.append((current, m.group(3)))
    return found


def test_every_test_the_threat_model_names_exists() -> None:
    refs = _references(DOC)
    assert len(refs) > 40
    missing = [f"{path}::{name}" for path, name in refs
               if not (ROOT / path).is_file()
               or (name and not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M))]
    assert missing == []


def test_every_mitigation_row_names_a_test() -> None:
    rows = [line for line in DOC.splitlines() if line.startswith("| ") and not line.startswith(("| Threat", "|---"))]
    assert rows and [row for row in rows if "tests/" not in row.split("|")[-2]] == []
