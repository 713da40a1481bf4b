"""The first risk assessment: the bank's questionnaire (risk_questionnaire.toml), scoring and the level C1..C5.

One definition for the kiosk (which confirms the answers) and the phone pages (which pre-assess): both read the
data file through this module, so a bank that changes a question or a score changes it once. The contract
carries question ids and answer letters, matched by `QUESTIONNAIRE_ID`. Every answer is a pick-list letter.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

_DATA = tomllib.loads((Path(__file__).resolve().parent / "risk_questionnaire.toml").read_text(encoding="utf-8"))

QUESTIONNAIRE_ID: str = _DATA["questionnaire_id"]
QUESTIONS: dict[str, dict[str, int]] = {q: dict(choices) for q, choices in _DATA["questions"].items()}
LEVELS: tuple[tuple[int, str], ...] = tuple((int(limit), str(name)) for limit, name in _DATA["levels"])


class RiskAnswerError(ValueError):
    """An answer that is not one of the question's choices, or a question left unanswered."""


def score(answers: dict[str, str]) -> tuple[int, str]:
    """Total score and level. Raises RiskAnswerError for a missing question or an unknown choice."""
    total = 0
    for question, choices in QUESTIONS.items():
        choice = answers.get(question)
        if choice not in choices:
            raise RiskAnswerError(f"{question}: {choice!r} is not one of {sorted(choices)}")
        total += choices[choice]
    level = next(name for limit, name in LEVELS if total <= limit)
    return total, level
