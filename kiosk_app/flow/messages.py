"""Every error key the journey can show, with the customer's words (zh, en) and the lobby manager's.

The UI shows `customer[locale]`; staff screens and the manager's phone alert show `staff`. Keys are stable:
tests assert them, translations follow them.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str, str]] = {
    # key: (customer zh, customer en, lobby manager)
    "token_invalid": ("二维码无效", "This QR code is not valid", ""),
    "token_malformed": ("二维码无法识别，请出示银行预约二维码", "This QR code is not a bank appointment code", ""),
    "token_bad_signature": ("二维码无效，请联系大堂经理", "This QR code is not valid", "QR signature check failed"),
    "token_unknown_key": ("二维码无效，请在小程序中刷新", "Please refresh the QR code in the mini program",
                          "QR signed with an unknown key: check token keys provisioning"),
    "token_expired": ("二维码已过期，请在小程序中刷新", "This QR code has expired; refresh it in the mini program", ""),
    "token_not_yet_valid": ("二维码尚未生效", "This QR code is not valid yet", "Kiosk clock may be wrong"),
    "token_wrong_branch": ("该预约属于其他网点", "This appointment is for another branch", "Appointment for another branch"),
    "token_already_used": ("该二维码已使用", "This QR code has already been used", "Replayed appointment QR code"),
    "appointment_not_found": ("未找到预约，请联系大堂经理", "Appointment not found", "Appointment not on kiosk or central"),
    "appointment_cancelled": ("该预约已取消", "This appointment was cancelled", ""),
    "id_expired": ("身份证已过期，请使用有效证件", "Your ID card has expired", ""),
    "id_unreadable": ("无法读取证件，请重新放置", "The card could not be read; place it again", ""),
    "id_invalid": ("证件校验未通过，请联系大堂经理", "The ID card failed validation", "ID card failed validation"),
    "id_mismatch": ("证件与预约信息不符", "This ID card does not match the appointment", "ID card does not match"),
    "identity_doubt": ("请稍候，大堂经理将协助您", "Please wait, a lobby manager will help you",
                       "Identity verification: no match"),
    "central_needs_staff": ("请稍候，大堂经理将协助您", "Please wait, a lobby manager will help you",
                            "Central service asks for a staff check"),
    "under_age": ("未满16周岁需大堂经理协助", "Customers under 16 need a lobby manager", "Customer under 16"),
    "guardian_consent": ("未满14周岁需监护人同意", "Customers under 14 need a guardian's consent",
                         "Customer under 14: guardian consent needed"),
    "onsite_identity": ("请稍候，大堂经理将现场核验身份", "A lobby manager will check your identity",
                        "On-site identity check for a Class I account"),
    "blocklisted": ("暂无法办理，请联系大堂经理", "We cannot open an account here; please see a lobby manager",
                    "Customer on the account renting/selling blocklist"),
    "card_limit": ("今日本机开卡数量已达上限", "The daily card limit at this kiosk is reached",
                   "Daily card limit per person reached"),
    "card_jam": ("设备故障，请联系大堂经理", "The card machine needs attention", "Card dispenser jam"),
    "stock_empty": ("卡片已发完，请联系大堂经理", "No cards left in this kiosk", "Card stock empty: refill"),
    "bin_full": ("设备需要维护", "The kiosk needs maintenance", "Capture bin full: empty it"),
    "pinpad_tampered": ("密码键盘故障，请联系大堂经理", "The PIN pad needs attention; please see a lobby manager", "PIN pad tamper detected: take the kiosk out of service"),
    "pinpad_no_key": ("密码键盘未就绪，请联系大堂经理", "The PIN pad is not ready; please see a lobby manager", "PIN pad has no working key loaded"),
    "device_error": ("设备故障，请联系大堂经理", "A device needs attention", "Device error"),
    "pin_failed": ("密码设置未完成", "The PIN was not set", "PIN setting failed"),
    "card_not_taken": ("卡片已被回收，请联系大堂经理", "Your card was retained; a lobby manager will help",
                       "Card not taken: retracted to bin"),
    "central_unavailable": ("网络暂时不可用，请稍后再试", "The bank's service is unavailable; please try later",
                            "Central service unavailable"),
    "already_class1": ("您在本行已有一类账户，本次开立二类账户", "You already hold a Class I account; this one is Class II", ""),
    "signature_empty": ("请在签名框内签名", "Please sign in the box", ""),
    "camera_unavailable": ("摄像头暂不可用，将仅核验证件", "The camera is not available; your ID card is checked alone", "Face camera not answering"),
    "fix_on_phone": ("请在手机小程序中修改此项", "Please change this on your phone", ""),
    "invalid_choice": ("请选择列表中的选项", "Please pick one of the options", ""),
    "staff_auth_failed": ("员工号或密码错误", "Wrong staff id or PIN", "Staff id or PIN wrong"),
    "staff_locked": ("该员工号已锁定，请稍后再试", "This staff id is locked for now", "Staff login locked after repeated failures"),
    "form_timeout": ("等待超时，请重新开始", "Time is up; please start again", ""),
    "timeout": ("操作超时，已安全退出", "Time is up; your session was closed safely", ""),
    "cancelled": ("已取消，您的信息已清除", "Cancelled; your data has been cleared", ""),
    "credit_card_under_18": ("未满18周岁不可申请信用卡", "Credit cards need you to be 18 or older", ""),
    "kiosk_closed": ("本机暂停服务", "This kiosk is closed", "Kiosk closed by staff"),
}


def customer_text(key: str, locale: str = "zh_CN") -> str:
    zh, en, _ = MESSAGES[key]
    return zh if locale == "zh_CN" else en


def staff_text(key: str) -> str:
    return MESSAGES[key][2]
