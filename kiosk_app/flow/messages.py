"""Every error key the journey can raise; their words live in the message catalogue (`kiosk_app/i18n.py`).

Keys are stable: tests assert them, the catalogue (`assets/i18n/<locale>.toml`, sections `error` for the
customer and `staff` for the lobby manager) follows them. Headless: reading the catalogue needs no Kivy.
"""

from __future__ import annotations

from kiosk_app import i18n

MESSAGES: tuple[str, ...] = (
    "token_invalid", "token_malformed", "token_bad_signature", "token_unknown_key", "token_expired",
    "token_not_yet_valid", "token_wrong_branch", "token_already_used", "appointment_not_found",
    "appointment_cancelled", "id_expired", "id_unreadable", "id_invalid", "id_mismatch", "identity_doubt",
    "central_needs_staff", "under_age", "guardian_consent", "onsite_identity", "blocklisted", "card_limit",
    "card_jam", "stock_empty", "bin_full", "pinpad_tampered", "pinpad_no_key", "device_error", "pin_failed",
    "card_not_taken", "central_unavailable", "already_class1", "signature_empty", "camera_unavailable",
    "fix_on_phone", "invalid_choice", "staff_auth_failed", "staff_locked", "form_timeout", "timeout", "cancelled",
    "credit_card_under_18", "kiosk_closed",
    # payroll batch pickup (issue 16)
    "payroll_entry_not_found", "payroll_entry_returned", "payroll_not_ready",
    # credit-card details and e-banking activation (issue 18)
    "credit_income_required", "sms_code_wrong", "sms_code_expired",
    "sms_too_many", "login_not_set",
)


def customer_text(key: str, locale: str = i18n.DEFAULT_LOCALE) -> str:
    """What the customer reads for an error key."""
    return i18n.text(locale, "error", key)


def staff_text(key: str, locale: str = i18n.DEFAULT_LOCALE) -> str:
    """What the lobby manager reads for a key ("" when the key is for the customer only)."""
    return i18n.section(locale, "staff").get(key, "")
