"""The receipt: the bank's template (assets/receipts) filled with masked values and printed.

Only masked values reach this adapter (the flow never holds a full card number after issuance); they are
wrapped as `Masked` so the printer's own personal-data check lets them through and stops anything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drivers.printer import Masked, ReceiptPrinter, ReceiptTemplate, TemplateError, UnmaskedDataError
from drivers.status import Completion
from kiosk_app.assets import asset
from kiosk_app.flow.ports import PortError

SERVICE_NAMES = {"mobile_banking": "手机银行", "online_banking": "网上银行", "credit_card": "信用卡申请",
                 "wechat_pay": "微信支付", "official_account": "公众号"}
PATHS = {"appointment": "预约 Appointment", "walk_in": "现场 Walk-in", "payroll": "代发 Payroll"}


class PrinterAdapter:
    def __init__(self, printer: ReceiptPrinter, *, bank_name: str, official_account_url: str,
                 template: str = "account_opening.txt") -> None:
        self.printer = printer
        self.bank_name = bank_name
        self.official_account_url = official_account_url
        self.template = ReceiptTemplate.from_text(asset("receipts", template).read_text(encoding="utf-8"))
        self.last_receipt = None

    def print_receipt(self, lines: dict[str, Any]) -> None:
        """Raises PortError('device_error') when paper is out or the printer is unreachable."""
        fields = {
            "bank_name": self.bank_name, "card_number": Masked(lines["pan"], "pan"),
            "account_class": "Ⅰ类" if lines["account_class"] == 1 else "Ⅱ类",
            "services": "、".join(SERVICE_NAMES.get(s, s) for s in ["debit_card", *lines["services"]]
                                 if s != "debit_card") or "借记卡",
            "path": PATHS.get(lines["path"], lines["path"]), "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
            "reference": f"S-{lines['session']}", "official_account_url": self.official_account_url,
        }
        try:
            receipt = self.template.render(fields)
        except (TemplateError, UnmaskedDataError) as exc:
            raise PortError("device_error", f"receipt template: {exc}") from exc
        result = self.printer.print_receipt(receipt)
        if result.completion is not Completion.SUCCESS:
            raise PortError("device_error", f"printer: {result.error_code}", needs_staff=False)
        self.last_receipt = receipt
