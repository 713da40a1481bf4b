"""Every screen the kiosk can show, with representative data: the gallery (`kiosk screens`) and the checks over
rendered screens (raw keys, untranslated text, contrast, sizes) walk this list.

Why hand-written data and not a recorded journey: a rehearsal of every scenario takes minutes; these take
milliseconds, and `tests/ui/test_screen_catalogue.py` keeps the list complete against the journey table (every
state), the issuance progress steps and every error key the flow raises. No Kivy here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from central_api_client.risk import QUESTIONS
from kiosk_app.flow.credit import INCOME_BANDS
from kiosk_app.flow.messages import MESSAGES
from kiosk_app.flow.model import SERVICES
from kiosk_app.flow.screen_builder import _STAFF_KEYS
from kiosk_app.flow.screens import Screen
from kiosk_app.flow.steps_forms import KEYPAD_FIELDS, PICK_LISTS

QR_FORM = "https://bank.example.invalid/walk-in/F7K2Q9"
QR_WECHAT = "https://pay.example.invalid/bind/AB12CD34"
QR_OFFICIAL = "https://mp.example.invalid/official-account"
CUSTOMER = {"name": "张三丰", "id_number": "110101********0018", "date_of_birth": "1990-03-07",
            "phone": "138****5678", "occupation": "20000", "address": "北京市朝阳区建国路88号"}
ANSWERS = {"q1": "B", "q2": "C", "q3": "B", "q4": "B", "q5": "C", "q6": "B"}
# Issuance progress steps (flow/issuance/service.py, flow/adapters/issuer.py) and the activation step.
PROGRESS = {"dispensing": None, "reading_card": None, "binding": None, "setting_pin": 30, "pin_first": 30,
            "pin_confirm": 30, "pin_weakPin": None, "pin_pinMismatch": None, "presenting": None, "take_card": 30,
            "login_first": 30, "login_confirm": 30, "login_weakPin": None, "login_pinMismatch": None,
            "done": None, "retaining": None}
# Where each customer error key shows (its step); keys not listed show on the welcome screen.
ERROR_STEP = {
    "id_expired": "await_id_card", "id_unreadable": "await_id_card", "id_invalid": "await_id_card",
    "signature_empty": "signature", "fix_on_phone": "review", "invalid_choice": "review",
    "already_class1": "review", "camera_unavailable": "review", "staff_auth_failed": "staff_needed",
    "staff_locked": "staff_needed", "credit_card_under_18": "services",
    "payroll_entry_not_found": "await_id_card", "payroll_entry_returned": "await_id_card",
    "payroll_not_ready": "await_id_card",
    "credit_income_required": "credit_card_details", "sms_code_wrong": "ebanking_sms",
    "sms_code_expired": "ebanking_sms", "sms_too_many": "ebanking_sms", "login_not_set": "ebanking_sms--confirmed",
}
GALLERY_VARIANTS = {"idle--token_already_used", "await_id_card--id_expired", "staff_decide--under_age",
                    "staff_needed--on_way"}


@dataclass(frozen=True)
class Sample:
    """One screen to render: `name` is unique (file names), `console` picks the lobby manager's view."""

    name: str
    screen: Screen
    console: bool = False
    gallery: bool = True  # shown in docs/screens (the error variants are checked but not all shown)


def _customer_screens() -> dict[str, Screen]:
    """One representative screen per step id of the journey."""
    review = {"customer": CUSTOMER, "account_class": 2, "pick_lists": {k: list(v) for k, v in PICK_LISTS.items()},
              "keypad_fields": dict(KEYPAD_FIELDS)}
    return {
        "idle": Screen("idle", {"prompt": "scan_qr"}, actions=("walk_in",)),
        "closed": Screen("closed"),
        "await_id_card": Screen("await_id_card", {"path": "appointment"}, actions=("cancel",), timeout_s=90,
                                progress=(1, 11)),
        "walk_in_form": Screen("walk_in_form", {"qr": QR_FORM}, actions=("cancel",), timeout_s=600),
        "staff_needed": Screen("staff_needed", {"reason": "onsite_identity"}, errors={"base": "onsite_identity"},
                               actions=("cancel",)),
        "staff_decide": Screen("staff_decide", {"reason": "onsite_identity", "staff_id": "M001",
                                                "path": "appointment", "age": 36, "photo": None,
                                                "customer": {"name": "张**", "id_number": "110101********0018"}},
                               actions=("approve", "decline")),
        "review": Screen("review", review, actions=("confirm", "edit", "cancel", "class1"), timeout_s=90,
                         progress=(2, 11)),
        "tax_residency": Screen("tax_residency", {"declaration": {"status": "china_only"}},
                                actions=("confirm", "cancel"), timeout_s=90, progress=(3, 11)),
        "risk_assessment": Screen("risk_assessment", {"answers": ANSWERS, "score": 22, "level": "C3"},
                                  actions=("confirm", "redo", "cancel"), timeout_s=90, progress=(4, 11)),
        "risk_redo": Screen("risk_redo", {"question": "q2", "choices": list(QUESTIONS["q2"])},
                            actions=("answer", "cancel"), timeout_s=90),
        "agreements": Screen("agreements", {"agreement": "account_agreement", "index": 1, "count": 3},
                             actions=("agree", "cancel"), timeout_s=90, progress=(5, 11)),
        "sensitive_consent": Screen("sensitive_consent", actions=("consent", "cancel"), timeout_s=90,
                                    progress=(6, 11)),
        "face_consent": Screen("face_consent", actions=("consent", "skip", "cancel"), timeout_s=90),
        "signature": Screen("signature", actions=("sign", "cancel"), timeout_s=90, progress=(7, 11)),
        "services": Screen("services", {"selected": ["mobile_banking", "wechat_pay"], "available": list(SERVICES),
                                        "refused": []}, actions=("toggle", "confirm", "cancel"), timeout_s=90,
                           progress=(8, 11)),
        **_credit_screens(),
        "wechat_binding": Screen("wechat_binding", {"qr": QR_WECHAT}, actions=("done",), timeout_s=90,
                                 progress=(9, 11)),
        "official_account": Screen("official_account", {"qr": QR_OFFICIAL}, actions=("done",), timeout_s=90,
                                   progress=(10, 11)),
        "thank_you": Screen("thank_you", {"card": "621700******0017", "services": ["mobile_banking", "wechat_pay"]},
                            actions=("done",), timeout_s=15, progress=(11, 11)),
        "refused": Screen("refused", {"reason": "card_not_taken"}, errors={"base": "card_not_taken"},
                          actions=("done",), timeout_s=30),
        "still_there": Screen("still_there", {"resume": "await_id_card", "extensions_left": 9},
                              actions=("extend", "cancel"), timeout_s=30),
        "activating": Screen("activating", {"service": "mobile_banking"}),
        **{step: Screen(step, timeout_s=timeout) for step, timeout in PROGRESS.items()},
    }


def _credit_screens() -> dict[str, Screen]:
    """The application steps (issue 18): the bank's cards, income and employer, the credit-report authorisation,
    and the texted code before e-banking (before and after the number is confirmed)."""
    sms = {"phone": "139****5678", "length": 6, "confirmed": False, "services": ["mobile_banking", "online_banking"]}
    products = [{"code": "standard-debit-linked", "name_zh": "标准信用卡", "name_en": "Standard credit card",
                 "annual_fee_cny": 0},
                {"code": "CC-GOLD", "name_zh": "金卡", "name_en": "Gold card", "annual_fee_cny": 300},
                {"code": "CC-TRAVEL", "name_zh": "旅行联名卡", "name_en": "Travel card", "annual_fee_cny": 200}]
    return {
        "credit_card_product": Screen("credit_card_product", {"products": products, "selected": None},
                                      actions=("choose", "skip", "cancel"), timeout_s=90),
        "credit_card_details": Screen("credit_card_details", {
            "income_bands": list(INCOME_BANDS), "income_band": "100k_300k", "employer": "北京星辰科技有限公司",
            "product": {"name_zh": "金卡", "name_en": "Gold card"}}, actions=("confirm", "cancel"), timeout_s=90),
        "credit_report_consent": Screen("credit_report_consent", {"consent": "credit_report_authorisation"},
                                        actions=("consent", "no_consent", "cancel"), timeout_s=90),
        "ebanking_sms": Screen("ebanking_sms", sms, actions=("confirm", "resend", "not_now"), timeout_s=90),
        "ebanking_sms--confirmed": Screen("ebanking_sms", {**sms, "confirmed": True},
                                          actions=("confirm", "resend", "not_now"), timeout_s=90),
    }


def _console_screens() -> dict[str, Screen]:
    health = [{"name": "idcard", "state": "online", "severity": "ok", "advice": "none"},
              {"name": "scanner", "state": "online", "severity": "ok", "advice": "none"},
              {"name": "dispenser", "state": "online", "severity": "warning", "advice": "refill_stock"},
              {"name": "chip", "state": "online", "severity": "ok", "advice": "none"},
              {"name": "pinpad", "state": "online", "severity": "ok", "advice": "none"},
              {"name": "printer", "state": "online", "severity": "fault", "advice": "add_paper"}]
    stock = {"stock": {"counted": 12, "sensor": "low", "low": True, "low_threshold": 20, "severity": "warning"},
             "bin": {"counted": 3, "device_counter": 3, "full": False, "warn_threshold": 40, "severity": "ok"},
             "open_cards": [], "mismatches": []}
    return {
        "manager_login": Screen("manager_login", errors={"base": "staff_auth_failed"}, actions=("login", "leave")),
        "manager_menu": Screen("manager_menu", {"staff_id": "M001", "kiosk": "open"}, actions=(
            "devices", "stock", "clear_jam", "receipt", "reprint", "sessions", "logout", "close")),
        "manager_devices": Screen("manager_devices", {"devices": [], "lines": [], "health": health},
                                  errors={"printer": "device_fault"}, actions=("clear_jam", "stock", "menu")),
        "manager_stock": Screen("manager_stock", stock, actions=("refill", "recount", "empty_bin", "clear_jam",
                                                                 "menu")),
        "manager_receipt": Screen("manager_receipt", {"lines": ["演示银行 开户回执", "卡号：621700******0017"],
                                                      "printed": False},
                                  errors={"preview": "preview_unavailable"}, actions=("reprint", "menu")),
        "manager_sessions": Screen("manager_sessions", {
            "date": "2026-12-01", "total": 5, "cards_issued": 2, "by_kind": {},
            "by_outcome": {"completed": 2, "refused:card_not_taken": 1, "cancelled": 1, "timeout": 1}},
            actions=("menu",)),
        "manager_refused": Screen("manager_refused", errors={"base": "session_running"}, actions=("menu", "logout")),
    }


def _error_variants(base: dict[str, Screen]) -> Iterator[Sample]:
    """Every error key on the step where it shows; every staff reason on the waiting, deciding and end screens."""
    for key in MESSAGES:
        step = ERROR_STEP.get(key, "idle")
        screen = base[step]
        if key == "credit_card_under_18":
            screen = Screen("services", {**screen.data, "refused": [key]}, actions=screen.actions,
                            timeout_s=screen.timeout_s)
        else:
            screen = screen.with_errors(base=key)
        yield Sample(f"{step}--{key}", screen, gallery=f"{step}--{key}" in GALLERY_VARIANTS)
    for answer in ("acknowledged", "on_way"):  # the lobby floor answered the call (issue 17)
        yield Sample(f"staff_needed--{answer}", Screen("staff_needed", {"reason": "card_jam", "help": answer},
                                                       errors={"base": "card_jam"}, actions=("cancel",)),
                     gallery=f"staff_needed--{answer}" in GALLERY_VARIANTS)
    for reason in sorted(_STAFF_KEYS):
        yield Sample(f"staff_needed--{reason}", Screen("staff_needed", {"reason": reason}, errors={"base": reason},
                                                       actions=("cancel",)), gallery=False)
        yield Sample(f"staff_decide--{reason}", Screen("staff_decide", {**base["staff_decide"].data,
                                                                        "reason": reason},
                                                       actions=("approve", "decline")),
                     gallery=f"staff_decide--{reason}" in GALLERY_VARIANTS)
        yield Sample(f"refused--{reason}", Screen("refused", {"reason": reason}, errors={"base": reason},
                                                  actions=("done",), timeout_s=30), gallery=False)


def samples() -> list[Sample]:
    """The whole list: one sample per screen (in the gallery), then the error and staff-reason variants."""
    customer = _customer_screens()
    found = [Sample(name, screen) for name, screen in customer.items()]
    found.append(Sample("review--cancel_question", replace(customer["review"], confirm="cancel")))
    found += [Sample(name, screen, console=True) for name, screen in _console_screens().items()]
    found += list(_error_variants(customer))
    return found
