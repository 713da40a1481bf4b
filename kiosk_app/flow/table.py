"""The journey as one table: (state, event key) -> (handler, the states it may lead to).

Read it top to bottom; `docs/journey.md` draws it (`python -m kiosk_app.flow.diagram`). The engine refuses
a transition the table does not declare, so the drawing cannot drift from the code. Every state but idle
also accepts `touch:cancel` (safe exit to idle), `touch:extend` (while "are you still there?" shows) and
`tick` (deadlines), and any step may stay put with an error or call a lobby manager when a device or the
central service needs a person; the engine adds those, so they are not repeated here.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


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
    WECHAT = "wechat_binding"
    OFFICIAL_ACCOUNT = "official_account"
    THANK_YOU = "thank_you"
    REFUSED = "refused"


class Edge(NamedTuple):
    handler: str
    targets: tuple[St, ...]


S = St
TABLE: dict[St, dict[str, Edge]] = {
    S.IDLE: {
        "qr": Edge("on_qr", (S.AWAIT_ID_CARD,)),
        "touch:walk_in": Edge("on_walk_in", (S.AWAIT_ID_CARD,)),
    },
    S.AWAIT_ID_CARD: {
        "id_card": Edge("on_id_card", (S.FACE_CONSENT, S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
        "id_card_bad": Edge("on_id_card_bad", ()),
    },
    S.WALK_IN_FORM: {"form": Edge("on_form", (S.REVIEW,))},
    S.STAFF_NEEDED: {"staff_auth": Edge("on_staff_auth", (S.STAFF_DECIDE,))},
    S.STAFF_DECIDE: {
        "staff_decision": Edge("on_staff_decision", (
            S.AWAIT_ID_CARD, S.REVIEW, S.WALK_IN_FORM, S.FACE_CONSENT, S.SERVICES, S.STAFF_NEEDED, S.REFUSED)),
    },
    S.REVIEW: {
        "touch:confirm": Edge("on_review_confirm", (S.TAX_RESIDENCY,)),
        "touch:edit": Edge("on_review_edit", ()),
        "touch:class1": Edge("on_request_class1", (S.STAFF_NEEDED,)),
    },
    S.TAX_RESIDENCY: {"touch:confirm": Edge("on_tax_confirm", (S.RISK,))},
    S.RISK: {
        "touch:confirm": Edge("on_risk_confirm", (S.AGREEMENTS, S.RISK_REDO)),
        "touch:redo": Edge("on_risk_redo", (S.RISK_REDO,)),
    },
    S.RISK_REDO: {"touch:answer": Edge("on_risk_answer", (S.RISK,))},
    S.AGREEMENTS: {"touch:agree": Edge("on_agree", (S.SENSITIVE_CONSENT,))},
    S.SENSITIVE_CONSENT: {"touch:consent": Edge("on_sensitive_consent", (S.SIGNATURE,))},
    S.FACE_CONSENT: {  # only on kiosks with a face camera; the ID card check never depends on it
        "touch:consent": Edge("on_face_consent", (S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
        "touch:skip": Edge("on_face_skip", (S.REVIEW, S.WALK_IN_FORM, S.STAFF_NEEDED, S.REFUSED)),
    },
    S.SIGNATURE: {"touch:sign": Edge("on_sign", (S.SERVICES,))},
    S.SERVICES: {
        "touch:toggle": Edge("on_service_toggle", ()),
        "touch:confirm": Edge("on_services_confirm", (S.WECHAT, S.OFFICIAL_ACCOUNT, S.THANK_YOU, S.REFUSED)),
    },
    S.WECHAT: {"touch:done": Edge("on_wechat_done", (S.OFFICIAL_ACCOUNT, S.THANK_YOU))},
    S.OFFICIAL_ACCOUNT: {"touch:done": Edge("on_official_done", (S.THANK_YOU,))},
    S.THANK_YOU: {"touch:done": Edge("on_finish", (S.IDLE,))},
    S.REFUSED: {"touch:done": Edge("on_refused_done", (S.IDLE,))},
}

# The happy path, in order, for the appointment journey (progress dots on screen, and the docs).
HAPPY_PATH = (
    S.IDLE, S.AWAIT_ID_CARD, S.REVIEW, S.TAX_RESIDENCY, S.RISK, S.AGREEMENTS, S.SENSITIVE_CONSENT,
    S.SIGNATURE, S.SERVICES, S.WECHAT, S.OFFICIAL_ACCOUNT, S.THANK_YOU,
)

# States where the customer waits for a lobby manager: the step's timeout pauses (no deadline) until a decision.
STAFF_WAITS = frozenset({S.STAFF_NEEDED, S.STAFF_DECIDE})

# States that end a session when entered; the engine records the outcome and wipes personal data.
TERMINAL = frozenset({S.THANK_YOU, S.REFUSED})


class UndeclaredTransition(Exception):
    """A handler led somewhere the table does not declare: a bug, caught before it reaches a customer."""


def check(state: St, key: str, target: St) -> None:
    """Raise UndeclaredTransition unless `target` is declared (staying and calling staff always are)."""
    if target in (state, S.STAFF_NEEDED):
        return
    if target not in TABLE[state][key].targets:
        raise UndeclaredTransition(f"{state.value} --{key}--> {target.value} is not in the table")
