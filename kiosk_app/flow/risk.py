"""The first risk assessment: questions, scoring and the risk level (C1 conservative .. C5 aggressive).

The bank's real questionnaire belongs in assets/ with the agreements; this default is the common five-question
shape used for a first assessment, scored so that every answer is a pick-list choice (no typing on the kiosk).
"""

from __future__ import annotations

QUESTIONS: dict[str, dict[str, int]] = {
    "age_band": {"under_30": 3, "30_50": 4, "50_60": 2, "over_60": 1},
    "experience": {"none": 0, "under_2y": 2, "2_5y": 4, "over_5y": 6},
    "goal": {"preserve": 0, "income": 3, "growth": 6, "speculation": 8},
    "loss_tolerance": {"none": 0, "under_10": 3, "10_30": 6, "over_30": 9},
    "horizon": {"under_1y": 1, "1_3y": 3, "3_5y": 5, "over_5y": 6},
}

LEVELS = ((8, "C1"), (14, "C2"), (20, "C3"), (26, "C4"), (999, "C5"))


class RiskAnswerError(ValueError):
    """An answer that is not one of the question's choices."""


def score(answers: dict[str, str]) -> tuple[int, str]:
    """Total score and level; raises RiskAnswerError for a missing question or an unknown choice."""
    total = 0
    for question, choices in QUESTIONS.items():
        choice = answers.get(question)
        if choice not in choices:
            raise RiskAnswerError(f"{question}: {choice!r} is not one of {sorted(choices)}")
        total += choices[choice]
    level = next(name for limit, name in LEVELS if total <= limit)
    return total, level
