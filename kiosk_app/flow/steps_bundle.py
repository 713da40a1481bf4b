"""The bundle: open the account, issue the card with its PIN, activate services, print, thank.

Order, and why: the account is opened and the appointment redeemed before the card is dispensed, so a card
is only ever bound to an open account; services follow the card because the card number is their key; the
receipt comes last because it lists what was activated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from central_api_client.risk import score
from kiosk_app.flow import ebanking
from kiosk_app.flow.events import Touch
from kiosk_app.flow.model import SERVICES, Account, Path
from kiosk_app.flow.ports import IssueRequest, OpenAccount, PortError
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.states import St

if TYPE_CHECKING:
    from kiosk_app.flow.session import Session


def choose_services(s: Session) -> None:
    """Pre-select what the customer asked for (or the batch set), minus what the rules forbid."""
    wanted = list(s.ctx.appointment.services) if s.ctx.appointment else []
    age = s.ctx.identity.age_on(s.today())
    s.ctx.services, s.ctx.services_refused = s.policy.services_allowed(
        [w for w in wanted if w in SERVICES], age
    )


def on_service_toggle(s: Session, ev: Touch) -> St:
    service = ev.value
    if service not in SERVICES:
        return s.stay(base="invalid_choice")
    if service in s.ctx.services:
        s.ctx.services.remove(service)
    else:
        _, refused = s.policy.services_allowed([service], s.ctx.identity.age_on(s.today()))
        if refused:
            return s.stay(base=refused[0])
        s.ctx.services.append(service)
    return St.SERVICES


def deliver(s: Session) -> St:
    """Issue the card (opening the account), activate the services, print the receipt, then what follows."""
    person_key = s.recorder.person_key(s.ctx.identity.id_number)
    if s.ctx.card is None:
        if s.policy.cards_limit_reached(s.recorder.cards_today(person_key)):
            return s.refuse("card_limit")
        outcome = _issue_card(s, person_key)
        if outcome is not None:
            return outcome
    if ebanking.wanted(s.ctx.services, s.ctx.activated) and not s.ctx.ebanking.ready and send_code(s):
        return St.EBANKING_SMS
    return finish_delivery(s)


def finish_delivery(s: Session) -> St:
    """The account and card exist: activate the services, print the receipt, then the QR screens or the end."""
    _activate(s, s.ctx.account)
    _print_receipt(s)
    return _after_services(s, St.SERVICES)


def send_code(s: Session) -> bool:
    """Text a code to the confirmed mobile number before e-banking; False (e-banking dropped) without a mainland
    mobile number to send it to. Raises PortError if the service cannot send it."""
    phone = str(s.ctx.customer.get("phone") or "")
    if not ebanking.is_mainland_mobile(phone):
        drop_ebanking(s)
        s.recorder.event(s.ctx.session_id, "ebanking_not_offered", {"reason": "no_mainland_mobile"})
        return False
    proof = s.ctx.ebanking
    proof.codes_sent += 1
    proof.check = s.ports.central.start_phone_verification(s.ctx.session_id, s.ctx.account, phone,
                                                           key=f"{s.ctx.session_id}:sms:{proof.codes_sent}")
    proof.confirmed = False
    return True


def drop_ebanking(s: Session) -> None:
    """No mobile or online banking in this session (the customer can open them later in the app or a branch)."""
    s.ctx.services = [x for x in s.ctx.services if x not in ebanking.E_BANKING]
    s.ctx.ebanking.wipe()


def _issue_card(s: Session, person_key: str) -> St | None:
    """Issue the card (the account is opened when the chip has been read); None when the card was taken."""
    check = s.ctx.check
    request = IssueRequest(
        session_id=s.ctx.session_id,
        open_account=OpenAccount(
            session_id=s.ctx.session_id, verification_id=check.verification_id,
            appointment_id=s.ctx.token.appointment_id if s.ctx.token else None,
            account_class=s.policy.account_class(s.ctx.onsite_identity_checked, check),
            onsite_check_staff_id=s.ctx.approver("onsite_identity"),
            staff_approval_staff_id=s.ctx.approver("central_needs_staff"),
            confirmed_data=dict(s.ctx.customer),
            evidence=s.ctx.evidence if s.ctx.evidence.complete else None,
        ),
        birth_date_hint=s.ctx.identity.birth_date.strftime("%Y%m%d"),
        on_progress=lambda step, timeout_s=None, data=None: s.progress(
            Screen(step, data or {}, timeout_s=int(timeout_s) if timeout_s else None)),
    )
    result = s.ports.issuer.issue(request)
    if result.account is not None and not s.ctx.account_opened:
        s.ctx.account, s.ctx.account_opened = result.account, True
        _after_account_opened(s, result.account)
    if result.card is None:
        if result.needs_staff:
            return s.request_staff(result.error or "device_error", St.SERVICES)
        return s.refuse(result.error or "device_error")
    s.ctx.card = result.card
    s.recorder.event(s.ctx.session_id, "card_issued_to", {"person_key": person_key, "pan": result.card.pan_masked})
    return None


def _after_account_opened(s: Session, account: Account) -> None:
    """Forget the evidence (the bank has it now), redeem the appointment, record the risk assessment."""
    s.ctx.evidence.wipe()
    if s.ctx.token is not None:
        s.ports.central.redeem(s.ctx.token.appointment_id, s.ctx.token.token_id, key=f"{s.ctx.session_id}:redeem")
    total, level = score(s.ctx.risk_answers)
    s.ports.central.record_risk_assessment(s.ctx.session_id, account, s.ctx.risk_answers,
                                           key=f"{s.ctx.session_id}:risk")
    s.recorder.event(s.ctx.session_id, "account_opened",
                     {"account_class": account.account_class, "risk_level": level, "risk_score": total})


def _activate(s: Session, account: Account) -> None:
    for service in s.ctx.services:
        if service == "official_account" or service in s.ctx.activated:
            continue
        s.progress(Screen("activating", {"service": service}))
        key = f"{s.ctx.session_id}:{service}"
        if service == "credit_card":
            if not s.ctx.credit.ready:  # never an application without the customer's authorisation
                continue
            s.ctx.activated[service] = s.ports.central.apply_credit_card(s.ctx.session_id, account, s.ctx.credit,
                                                                        key=key)
            continue
        proof = s.ctx.ebanking if service in ebanking.E_BANKING and s.ctx.ebanking.check else None
        s.ctx.activated[service] = s.ports.central.activate(s.ctx.session_id, account, service, key=key,
                                                            proof=proof)


def _print_receipt(s: Session) -> None:
    """A receipt that cannot print (paper out) must not hold the customer, who has the card and the
    services already: the journey goes on and the lobby manager is told, who can reprint it."""
    try:
        s.ports.printer.print_receipt({
            "session": s.ctx.session_id[:8], "pan": s.ctx.card.pan_masked if s.ctx.card else "",
            "account_class": s.ctx.account.account_class, "services": list(s.ctx.services),
            "path": s.ctx.path.value, "employer": (s.ctx.appointment.employer or {}).get("name", "")
            if s.ctx.path is Path.PAYROLL else "",
        })
    except PortError as exc:
        s.recorder.event(s.ctx.session_id, "receipt_not_printed", {"reason": exc.key, "detail": exc.detail[:120]})


def _after_services(s: Session, current: St) -> St:
    order = [(St.SERVICES, None), (St.WECHAT, "wechat_pay"), (St.OFFICIAL_ACCOUNT, "official_account")]
    index = [state for state, _ in order].index(current)
    for state, service in order[index + 1:]:
        if service in s.ctx.services:
            return state
    return St.THANK_YOU


def on_wechat_done(s: Session, ev: Touch) -> St:
    return _after_services(s, St.WECHAT)


def on_official_done(s: Session, ev: Touch) -> St:
    return _after_services(s, St.OFFICIAL_ACCOUNT)


def on_finish(s: Session, ev: Touch) -> St:
    return s.finish()


def on_refused_done(s: Session, ev: Touch) -> St:
    return s.finish()
