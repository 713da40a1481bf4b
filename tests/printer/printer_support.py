"""An account-opening receipt template and its fields, shared by the printer tests."""

from __future__ import annotations

from drivers.printer import ReceiptTemplate, mask_id_number, mask_name, mask_pan
from drivers.printer.pii import Masked

PAN = "6222021234567890123"
ID_NUMBER = "11010119900307123X"
TEMPLATE = ReceiptTemplate.from_text("""
@center @bold @double {bank_name}
@center 开户回执 Account opening receipt
@rule
客户：{customer_name}
证件号码：{id_number}
卡号：{card_number}
开通业务：{services}
日期：{date}
@rule
@center @qr {official_account_url}
@center 扫码关注公众号
""")


def fields() -> dict[str, str | Masked]:
    return {
        "bank_name": "示例银行",
        "customer_name": mask_name("张三丰"),
        "id_number": mask_id_number(ID_NUMBER),
        "card_number": mask_pan(PAN),
        "services": "借记卡、手机银行、网上银行",
        "date": "2026-01-15 10:42",
        "official_account_url": "https://weixin.qq.com/r/example-bank",
    }
