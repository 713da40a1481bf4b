"""The first risk assessment: the bank's questionnaire as data, scoring and the risk level (C1..C5).

The questionnaire is the bank's (the mini program asks it; the contract carries question ids and answer
letters), so it is data here, matched by `QUESTIONNAIRE_ID`. Every answer is a pick-list letter: no typing.
Scores follow the common shape: later letters mean more experience and appetite for risk.
"""

from __future__ import annotations

QUESTIONNAIRE_ID = "RQ-2024-01"

QUESTIONS: dict[str, dict[str, int]] = {
    "q1": {"A": 1, "B": 3, "C": 5, "D": 7},          # investment experience
    "q2": {"A": 0, "B": 2, "C": 4, "D": 6, "E": 8},  # investment goal
    "q3": {"A": 1, "B": 4, "C": 7},                  # share of income invested
    "q4": {"A": 0, "B": 3, "C": 6, "D": 9},          # loss tolerance
    "q5": {"A": 1, "B": 2, "C": 3, "D": 5, "E": 6},  # horizon
    "q6": {"A": 1, "B": 3, "C": 5},                  # knowledge of products
}

LEVELS = ((10, "C1"), (18, "C2"), (26, "C3"), (34, "C4"), (999, "C5"))


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
