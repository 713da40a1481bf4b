"""State -> Screen: what each step shows, built from the session's context (masked unless needed in full).

The builders read a `ScreenSource` (what a screen may show: context, settings, policy, the refusal), not the
Session itself, so this module and the engine do not know each other, not even for the type checker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from central_api_client.risk import QUESTIONS, score
from kiosk_app.flow.context import SessionContext
from kiosk_app.flow.messages import staff_text
from kiosk_app.flow.model import SERVICES, masked_customer
from kiosk_app.flow.policy import AccountPolicy
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.screens_opening import OPENING_BUILDERS
from kiosk_app.flow.states import HAPPY_PATH, STAFF_WAITS, St
from kiosk_app.flow.steps_forms import KEYPAD_FIELDS, PICK_LISTS, agreements_for
from kiosk_app.logs.redact import mask_name


class ScreenSettings(Protocol):
    locale: str
    step_timeout_s: int
    walk_in_form_timeout_s: int
    official_account_url: str


class ScreenSource(Protocol):
    """What the screens are built from (the Session provides it)."""

    ctx: SessionContext
    settings: ScreenSettings
    policy: AccountPolicy
    closed: bool
    refusal: str
    today: Callable[[], date]


def _progress(state: St) -> tuple[int, int] | None:
    return (HAPPY_PATH.index(state), len(HAPPY_PATH) - 1) if state in HAPPY_PATH else None


def _idle(s: ScreenSource) -> Screen:
    """The welcome screen, or "closed" (no walk-in button, nothing to scan) when a manager closed the kiosk."""
    if s.closed:
        return Screen("closed")  # the title says it; no error banner, no walk-in button
    return Screen("idle", {"prompt": "scan_qr"}, actions=("walk_in",))


def _await_id(s: ScreenSource) -> Screen:
    return Screen("await_id_card", {"path": s.ctx.path.value}, actions=("cancel",))


def _walk_in(s: ScreenSource) -> Screen:
    return Screen("walk_in_form", {"qr": s.ctx.form_url}, actions=("cancel",),
                  timeout_s=s.settings.walk_in_form_timeout_s)


def _staff_needed(s: ScreenSource) -> Screen:
    reason, answer = s.ctx.staff_request.reason, s.ctx.staff_request.answer
    data = {"reason": reason, **({"help": answer} if answer else {})}
    return Screen("staff_needed", data, errors={"base": reason}, actions=("cancel",),
                  staff_message=staff_text(reason, s.settings.locale))


IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"BM")  # a photo the screen can draw (a raw WLT cannot be)


def _staff_decide(s: ScreenSource) -> Screen:
    """What the manager checks before deciding: the reason, the customer masked, the ID card's photo if drawable."""
    request = s.ctx.staff_request
    data: dict[str, Any] = {"reason": request.reason, "staff_id": request.staff_id, "path": s.ctx.path.value}
    identity = s.ctx.identity
    if identity is not None:
        data["customer"] = masked_customer({"name": mask_name(identity.name_zh or identity.name_en),
                                            "id_number": identity.id_number})
        data["age"] = identity.age_on(s.today())
        data["photo"] = identity.photo if identity.photo.startswith(IMAGE_MAGIC) else None
    return Screen("staff_decide", data, actions=("approve", "decline"),
                  staff_message=staff_text(request.reason, s.settings.locale))


def _review(s: ScreenSource) -> Screen:
    account_class = s.policy.account_class(s.ctx.onsite_identity_checked, s.ctx.check) if s.ctx.check else 2
    data = {"customer": masked_customer(s.ctx.customer), "account_class": account_class,
            "pick_lists": {k: list(v) for k, v in PICK_LISTS.items()}, "keypad_fields": dict(KEYPAD_FIELDS)}
    if s.ctx.identity is not None and s.ctx.identity.card_type == "foreign_permanent_resident":
        data["offer_english"] = True  # a foreigner's card: the screen offers English on the first page of details
    actions = ("confirm", "edit", "cancel") + (("class1",) if account_class == 2 else ())
    return Screen("review", data, actions=actions)


def _tax(s: ScreenSource) -> Screen:
    declaration = dict(s.ctx.appointment.tax_residency)
    return Screen("tax_residency", {"declaration": declaration}, actions=("confirm", "cancel"))


def _risk(s: ScreenSource) -> Screen:
    answers = s.ctx.risk_answers or dict(s.ctx.appointment.risk_answers)
    try:
        total, level = score(answers)
    except ValueError:
        total, level = None, None
    return Screen("risk_assessment", {"answers": answers, "score": total, "level": level},
                  actions=("confirm", "redo", "cancel"))


def _risk_redo(s: ScreenSource) -> Screen:
    question = s.ctx.risk_redo[0]
    return Screen("risk_redo", {"question": question, "choices": list(QUESTIONS[question])},
                  actions=("answer", "cancel"))


def _agreements(s: ScreenSource) -> Screen:
    all_ = agreements_for(s)
    current = next(a for a in all_ if a not in s.ctx.agreements_accepted)
    return Screen("agreements", {"agreement": current, "index": all_.index(current) + 1, "count": len(all_)},
                  actions=("agree", "cancel"))


def _services(s: ScreenSource) -> Screen:
    return Screen("services", {"selected": list(s.ctx.services), "available": list(SERVICES),
                               "refused": list(s.ctx.services_refused)}, actions=("toggle", "confirm", "cancel"))


def _wechat(s: ScreenSource) -> Screen:
    link = s.ctx.activated.get("wechat_pay", {}).get("url", "")
    return Screen("wechat_binding", {"qr": link}, actions=("done",))


def _official(s: ScreenSource) -> Screen:
    return Screen("official_account", {"qr": s.settings.official_account_url}, actions=("done",))


def _thank_you(s: ScreenSource) -> Screen:
    card = s.ctx.card.pan_masked if s.ctx.card else None
    return Screen("thank_you", {"card": card, "services": list(s.ctx.services)}, actions=("done",), timeout_s=15)


def _refused(s: ScreenSource) -> Screen:
    return Screen("refused", {"reason": s.refusal}, errors={"base": s.refusal}, actions=("done",),
                  staff_message=staff_text(s.refusal, s.settings.locale) if s.refusal in _STAFF_KEYS else None,
                  timeout_s=30)


_STAFF_KEYS = {"blocklisted", "card_limit", "card_not_taken", "identity_doubt", "under_age", "guardian_consent",
               "central_needs_staff", "id_mismatch", "onsite_identity", "card_jam", "stock_empty",
               "pinpad_tampered", "pinpad_no_key", "device_error", "bin_full"}

BUILDERS: dict[St, Callable[[ScreenSource], Screen]] = {
    St.IDLE: _idle, St.AWAIT_ID_CARD: _await_id, St.WALK_IN_FORM: _walk_in, St.STAFF_NEEDED: _staff_needed,
    St.STAFF_DECIDE: _staff_decide, St.REVIEW: _review, St.TAX_RESIDENCY: _tax, St.RISK: _risk,
    St.RISK_REDO: _risk_redo, St.AGREEMENTS: _agreements,
    St.SENSITIVE_CONSENT: lambda s: Screen("sensitive_consent", actions=("consent", "cancel")),
    St.FACE_CONSENT: lambda s: Screen("face_consent", actions=("consent", "skip", "cancel")),
    St.SIGNATURE: lambda s: Screen("signature", actions=("sign", "cancel")),
    St.SERVICES: _services, St.WECHAT: _wechat, St.OFFICIAL_ACCOUNT: _official, St.THANK_YOU: _thank_you,
    St.REFUSED: _refused, **OPENING_BUILDERS,
}


def build(s: ScreenSource, state: St) -> Screen:
    screen = BUILDERS[state](s)
    timeout = screen.timeout_s if screen.timeout_s is not None else (
        None if state is St.IDLE or state in STAFF_WAITS else s.settings.step_timeout_s)
    return Screen(screen.step_id, screen.data, screen.errors, screen.actions, timeout, screen.staff_message,
                  _progress(state))
