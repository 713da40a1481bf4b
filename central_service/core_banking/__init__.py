"""The core-banking port: the calls that in production go to the bank's core systems (identity verification
联网核查, account opening with card binding, PIN storage, e-banking, credit cards, WeChat binding).

One small protocol; `simulated.SimulatedCore` implements it for demos and tests (blocklist, the one-Class-I
rule, scripted outcomes and outages); a bank plugs in its own adapter. Expected refusals are `CoreRefusal`
(the route turns them into problems once); an outage is `CoreUnavailable` (503, retry later).
"""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["CoreBank", "CoreRefusal", "CoreUnavailable"]


class CoreRefusal(Exception):
    """The core bank said no (or does not know the reference); `status`/`slug` name the problem."""

    def __init__(self, status: int, slug: str, detail: str) -> None:
        super().__init__(f"{status} {slug}: {detail}")
        self.status, self.slug, self.detail = status, slug, detail


class CoreUnavailable(Exception):
    """The core bank did not answer; the kiosk retries with the same idempotency key."""


class CoreBank(Protocol):
    """What the appointment service asks of the bank's core; `branch_id` scopes every reference."""

    def verify_identity(self, branch_id: str, document: dict[str, Any], *, with_face: bool) -> dict[str, Any]:
        """联网核查: outcome match / no_match / needs_staff, blocklist and Class I flags."""

    def open_account(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Open an account of the requested class and bind the card. Raises CoreRefusal."""

    def set_pin(self, branch_id: str, account_id: str, key_id: str) -> dict[str, Any]:
        """Store the encrypted PIN block. Raises CoreRefusal if the account is unknown."""

    def activate(self, branch_id: str, service: str, account_id: str, *,
                 credential_key_id: str | None = None) -> dict[str, Any]:
        """Activate mobile or online banking (idempotent per account); `credential_key_id` names the PIN pad key
        the initial login password was encrypted under (the block itself goes to the core's HSM). Raises
        CoreRefusal."""

    def record_risk_assessment(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Record the first risk assessment. Raises CoreRefusal."""

    def credit_card_products(self, branch_id: str) -> list[dict[str, Any]]:
        """The credit cards offered at this branch (contract `CreditCardProduct`), in the order to show them."""

    def apply_credit_card(self, branch_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Receive a credit-card application for one of the products, from a customer of the product's minimum
        age (18 at least). Raises CoreRefusal."""

    def bind_wechat(self, branch_id: str, account_id: str) -> dict[str, Any]:
        """A WeChat Pay binding link for the card. Raises CoreRefusal."""

    def open_accounts_batch(self, branch_id: str, batch_ref: str, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Open one account per person of a payroll batch in one call (account opened now, card bound at pickup).

        Each person is `{ref, id_number, name, date_of_birth, card_product}`; the answer has one item per person,
        `{ref, status: opened | refused | unavailable, account?, slug?, detail?}`. The same (batch_ref, ref)
        opens at most once: a retry answers an opened or refused person's first outcome and tries only the
        `unavailable` ones again. Raises CoreUnavailable if the whole call failed.
        """

    def bind_card(self, branch_id: str, account_id: str, request: dict[str, Any]) -> dict[str, Any]:
        """Bind the card read at the kiosk to an account opened earlier (payroll pickup); the request is the
        kiosk's account request (verification_id, card). Raises CoreRefusal if the verified person is not the
        account's holder."""
