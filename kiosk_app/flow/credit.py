"""The credit-card application as the journey knows it: the products the bank offers (from the central service),
and what this customer chose, declared and authorised.

Why apart from the steps: the ports and the adapter need these types, and the steps need the ports; with the types
here neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk_app.flow.evidence import Acceptance

# Annual income bands as the bank's application codes them (the contract's enum); chosen from a list, never typed.
INCOME_BANDS = ("lt_50k", "50k_100k", "100k_300k", "gt_300k")
AUTHORISATION = "credit_report_authorisation"  # the consent text's id (assets/agreements/<id>.<locale>.txt)


@dataclass(frozen=True)
class CreditProduct:
    code: str
    name_zh: str
    name_en: str
    annual_fee_cny: int
    min_age: int


@dataclass
class CreditApplication:
    """Built step by step on the kiosk; sent once the account exists. `employer` comes from the phone only."""

    products: list[CreditProduct] = field(default_factory=list)
    product_code: str | None = None
    income_band: str | None = None
    employer: str = field(default="", repr=False)
    authorisation: Acceptance | None = None

    @property
    def ready(self) -> bool:
        return bool(self.product_code and self.income_band and self.authorisation)

    def product(self) -> CreditProduct | None:
        return next((p for p in self.products if p.code == self.product_code), None)

    def wipe(self) -> None:
        self.employer = ""
        self.authorisation = None
