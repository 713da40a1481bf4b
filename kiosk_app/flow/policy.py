"""The bank's account rules for self-service channels (PBOC practice), each a small testable function."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kiosk_app.flow.model import IdentityCheck


@dataclass(frozen=True)
class AccountPolicy:
    min_age_alone: int = 16
    min_age_credit_card: int = 18
    guardian_consent_under: int = 14
    max_cards_per_person_per_day: int = 2

    def account_class(self, onsite_identity_checked: bool, check: IdentityCheck) -> int:
        """Class II unless a lobby manager checked identity on site; never a second Class I at this bank."""
        return 1 if onsite_identity_checked and not check.holds_class1 else 2

    def needs_staff_for_age(self, age: int) -> str | None:
        """A message key when age alone requires a person: guardian consent under 14, under-age below 16."""
        if age < self.guardian_consent_under:
            return "guardian_consent"
        if age < self.min_age_alone:
            return "under_age"
        return None

    def services_allowed(self, wanted: list[str], age: int) -> tuple[list[str], list[str]]:
        """The services this customer may have now, and the ones refused with reasons (as keys)."""
        allowed, refused = [], []
        for service in wanted:
            if service == "credit_card" and age < self.min_age_credit_card:
                refused.append("credit_card_under_18")
            else:
                allowed.append(service)
        return allowed, refused

    def refusal(self, check: IdentityCheck) -> str | None:
        """A message key when the central answer forbids opening an account at all."""
        return "blocklisted" if check.blocklisted else None

    def cards_limit_reached(self, cards_today: int) -> bool:
        return cards_today >= self.max_cards_per_person_per_day


def document_problem(valid_to: date | None, today: date) -> str | None:
    """A message key when the ID card cannot be used today (an expired card is never accepted)."""
    if valid_to is not None and valid_to < today:
        return "id_expired"
    return None
