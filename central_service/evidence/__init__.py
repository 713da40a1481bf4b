"""Evidence of an account opening: what the customer confirmed, accepted and signed at the kiosk.

The kiosk sends it with the account-opening call (contract `Evidence`); the service stores it against the
account in the same transaction as the opening (`store.EvidenceStore`), so an account opened with evidence
never lacks it; `routes` reads it back for the bank's staff and for tests.
"""

from __future__ import annotations

from central_service.evidence.store import EvidenceStore

__all__ = ["EvidenceStore"]
