"""The journey as one table: (state, event key) -> (handler, the states it may lead to).

Read it top to bottom; `docs/journey.md` draws it (`python -m kiosk_app.flow.diagram`). The engine refuses
a transition the table does not declare, so the drawing cannot drift from the code. Every state but idle
also accepts `touch:cancel` (safe exit to idle), `touch:extend` (while "are you still there?" shows) and
`tick` (deadlines), and any step may stay put with an error or call a lobby manager when a device or the
central service needs a person; the engine adds those, so they are not repeated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from kiosk_app.flow import steps_bundle as bundle
from kiosk_app.flow import steps_credit as credit
from kiosk_app.flow import steps_ebanking as ebanking
from kiosk_app.flow import steps_forms as forms
from kiosk_app.flow import steps_identity as identity
from kiosk_app.flow.states import HAPPY_PATH, STAFF_WAITS, TERMINAL, St

__all__ = ["HAPPY_PATH", "STAFF_WAITS", "TABLE", "TERMINAL", "Edge", "St", "UndeclaredTransition", "check"]


class Edge(NamedTuple):
    """A step: the handler function itself (a typo fails at import), and the states it may lead to."""

    handler: Callable[..., St]
    targets: tuple[St, ...]


S = St
# Where `steps_bundle.finish_delivery` (activate, print) and `deliver` (issue the card first) may lead.
FINISHED = (S.WECHAT, S.OFFICIAL_ACCOUNT, S.THANK_YOU)
DELIVERED = (S.EBANKING_SMS, *FINISHED, S.REFUSED)
TABLE: dict[St, dict[str, Edge]] = {
    S.IDLE: {
        "qr": Edge(identity.on_qr, (S.AWAIT_ID_CARD,)),
        "touch:walk_in": Edge(identity.on_walk_in, (S.AWAIT_ID_CARD,)),
    },
    S.AWAIT_ID_CARD: {
        "id_card": Edge(identity.on_id_card, (S.FACE_CONSENT, S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
        "id_card_bad": Edge(identity.on_id_card_bad, ()),
    },
    S.WALK_IN_FORM: {"form": Edge(identity.on_form, (S.REVIEW,))},
    S.STAFF_NEEDED: {
        "staff_auth": Edge(identity.on_staff_auth, (S.STAFF_DECIDE,)),
        "staff_answered": Edge(identity.on_staff_answered, (S.STAFF_NEEDED,)),
    },
    S.STAFF_DECIDE: {
        "staff_decision": Edge(identity.on_staff_decision, (
            S.AWAIT_ID_CARD, S.REVIEW, S.WALK_IN_FORM, S.FACE_CONSENT, S.SERVICES, S.STAFF_NEEDED, S.REFUSED)),
    },
    S.REVIEW: {
        "touch:confirm": Edge(forms.on_review_confirm, (S.TAX_RESIDENCY,)),
        "touch:edit": Edge(forms.on_review_edit, ()),
        "touch:class1": Edge(forms.on_request_class1, (S.STAFF_NEEDED,)),
    },
    S.TAX_RESIDENCY: {"touch:confirm": Edge(forms.on_tax_confirm, (S.RISK,))},
    S.RISK: {
        "touch:confirm": Edge(forms.on_risk_confirm, (S.AGREEMENTS, S.RISK_REDO)),
        "touch:redo": Edge(forms.on_risk_redo, (S.RISK_REDO,)),
    },
    S.RISK_REDO: {"touch:answer": Edge(forms.on_risk_answer, (S.RISK,))},
    S.AGREEMENTS: {"touch:agree": Edge(forms.on_agree, (S.SENSITIVE_CONSENT,))},
    S.SENSITIVE_CONSENT: {"touch:consent": Edge(forms.on_sensitive_consent, (S.SIGNATURE,))},
    S.FACE_CONSENT: {  # only on kiosks with a face camera; the ID card check never depends on it
        "touch:consent": Edge(identity.on_face_consent, (S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
        "touch:skip": Edge(identity.on_face_skip, (S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
    },
    S.SIGNATURE: {"touch:sign": Edge(forms.on_sign, (S.SERVICES,))},
    S.SERVICES: {
        "touch:toggle": Edge(bundle.on_service_toggle, ()),
        "touch:confirm": Edge(credit.on_services_confirm, (S.CREDIT_PRODUCT, *DELIVERED)),
    },
    # a credit card is applied for on its own steps, before the card is issued (the authorisation is evidence)
    S.CREDIT_PRODUCT: {
        "touch:choose": Edge(credit.on_credit_choose, (S.CREDIT_DETAILS,)),
        "touch:skip": Edge(credit.on_credit_skip, DELIVERED),
    },
    S.CREDIT_DETAILS: {"touch:confirm": Edge(credit.on_credit_details, (S.CREDIT_AUTH,))},
    S.CREDIT_AUTH: {
        "touch:consent": Edge(credit.on_credit_authorise, DELIVERED),
        "touch:no_consent": Edge(credit.on_credit_decline, DELIVERED),
    },
    # e-banking after the card: the texted code confirms the number, the login password is set on the PIN pad
    S.EBANKING_SMS: {
        "touch:confirm": Edge(ebanking.on_sms_code, FINISHED),
        "touch:resend": Edge(ebanking.on_sms_resend, FINISHED),
        "touch:not_now": Edge(ebanking.on_sms_not_now, FINISHED),
    },
    S.WECHAT: {"touch:done": Edge(bundle.on_wechat_done, (S.OFFICIAL_ACCOUNT, S.THANK_YOU))},
    S.OFFICIAL_ACCOUNT: {"touch:done": Edge(bundle.on_official_done, (S.THANK_YOU,))},
    S.THANK_YOU: {"touch:done": Edge(bundle.on_finish, (S.IDLE,))},
    S.REFUSED: {"touch:done": Edge(bundle.on_refused_done, (S.IDLE,))},
}

# What a step finishes when the customer walks away from it (timeout or cancel) after the card was issued: the
# services that need no more of the customer are activated and the receipt printed, e-banking is not.
ON_WALK_AWAY: dict[St, Callable[..., object]] = {S.EBANKING_SMS: ebanking.on_walk_away}


class UndeclaredTransition(Exception):
    """A handler led somewhere the table does not declare: a bug, caught before it reaches a customer."""


def check(state: St, key: str, target: St) -> None:
    """Raise UndeclaredTransition unless `target` is declared (staying and calling staff always are)."""
    if target in (state, S.STAFF_NEEDED):
        return
    if target not in TABLE[state][key].targets:
        raise UndeclaredTransition(f"{state.value} --{key}--> {target.value} is not in the table")
