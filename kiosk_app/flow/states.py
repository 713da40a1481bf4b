"""The journey's states and the sets of them the engine and the screens need (no handlers here).

Why apart from `table.py`: the steps name their target states, and the table names the steps' handler
functions; with the states in their own module neither imports the other in a circle.
"""

from __future__ import annotations

import enum


class St(enum.Enum):
    IDLE = "idle"
    AWAIT_ID_CARD = "await_id_card"
    WALK_IN_FORM = "walk_in_form"
    STAFF_NEEDED = "staff_needed"
    STAFF_DECIDE = "staff_decide"
    REVIEW = "review"
    TAX_RESIDENCY = "tax_residency"
    RISK = "risk_assessment"
    RISK_REDO = "risk_redo"
    AGREEMENTS = "agreements"
    SENSITIVE_CONSENT = "sensitive_consent"
    FACE_CONSENT = "face_consent"
    SIGNATURE = "signature"
    SERVICES = "services"
    CREDIT_PRODUCT = "credit_card_product"
    CREDIT_DETAILS = "credit_card_details"
    CREDIT_AUTH = "credit_report_consent"
    EBANKING_SMS = "ebanking_sms"
    WECHAT = "wechat_binding"
    OFFICIAL_ACCOUNT = "official_account"
    THANK_YOU = "thank_you"
    REFUSED = "refused"


S = St

# The happy path, in order, for the appointment journey (progress dots on screen, and the docs).
HAPPY_PATH = (
    S.IDLE, S.AWAIT_ID_CARD, S.REVIEW, S.TAX_RESIDENCY, S.RISK, S.AGREEMENTS, S.SENSITIVE_CONSENT,
    S.SIGNATURE, S.SERVICES, S.WECHAT, S.OFFICIAL_ACCOUNT, S.THANK_YOU,
)

# States where the customer waits for a lobby manager: the step's timeout pauses (no deadline) until a decision.
STAFF_WAITS = frozenset({S.STAFF_NEEDED, S.STAFF_DECIDE})

# States that end a session when entered; the engine records the outcome and wipes personal data.
TERMINAL = frozenset({S.THANK_YOU, S.REFUSED})
