"""Mobile and online banking, activated as the bank's flow requires: the customer confirms the registered mobile
number with the code texted to it (typed on the on-screen keypad: a code is not a secret of theirs), then sets
the initial login password on the PIN pad (never the touchscreen), and only then are the services activated.

These steps follow the card (the account must exist for the bank to bind the number); "not now" drops e-banking
and the bundle goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk_app.flow.events import Touch
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.states import St
from kiosk_app.flow.steps_bundle import drop_ebanking, finish_delivery, send_code

if TYPE_CHECKING:
    from kiosk_app.flow.session import Session

CODE_LENGTH = 6


def on_sms_code(s: Session, ev: Touch) -> St:
    """Check the code (once), then the login password on the pad, then activate. PortError('sms_code_wrong')
    or ('sms_code_expired') keeps the customer here (the engine shows it)."""
    proof = s.ctx.ebanking
    if not proof.confirmed:
        code = ev.value if isinstance(ev.value, str) else ""
        if not (len(code) == CODE_LENGTH and code.isdigit()):
            return s.stay(base="sms_code_wrong")
        proof.codes_tried += 1
        s.ports.central.confirm_phone_verification(proof.check, code,
                                                   key=f"{s.ctx.session_id}:sms-code:{proof.codes_tried}")
        proof.confirmed = True
    if proof.credential is None:
        proof.credential = _login_password(s)
        if proof.credential is None:
            return s.stay(base="login_not_set")
    return finish_delivery(s)


def _login_password(s: Session):
    if s.ports.credential is None:
        return None
    return s.ports.credential.set_login_credential(
        str(s.ctx.customer.get("phone") or ""), s.ctx.identity.birth_date.strftime("%Y%m%d"),
        lambda step, timeout_s=None, data=None: s.progress(
            Screen(step, data or {}, timeout_s=int(timeout_s) if timeout_s else None)))


def on_sms_resend(s: Session, ev: Touch) -> St:
    """A new code (the old one stops working); the service limits how many one session may ask for."""
    if not send_code(s):
        return finish_delivery(s)
    return St.EBANKING_SMS


def on_sms_not_now(s: Session, ev: Touch) -> St:
    drop_ebanking(s)
    return finish_delivery(s)


def on_walk_away(s: Session) -> None:
    """The customer left at the code screen (card in hand): no e-banking, but the other services and the receipt
    as if they had touched "not now". Raises PortError if the bank does not answer (the engine logs it)."""
    s.recorder.event(s.ctx.session_id, "ebanking_not_activated", {"reason": "walked_away"})
    on_sms_not_now(s, Touch("not_now"))
