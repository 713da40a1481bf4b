"""ESC/POS receipt printer: python-escpos over one serial port, GB18030 text, QR, cut, paper status.

Receipts come from templates (`ReceiptTemplate`) that accept personal data only masked, and every rendered
line is checked for unmasked card, ID and mobile numbers before a byte is sent.
"""

from drivers.printer.driver import PrinterState, ReceiptPrinter
from drivers.printer.pii import (
    Masked,
    UnmaskedDataError,
    find_unmasked,
    mask_id_number,
    mask_mobile,
    mask_name,
    mask_pan,
)
from drivers.printer.protocol import PaperState
from drivers.printer.template import Feed, QrCode, Receipt, ReceiptTemplate, Rule, TemplateError, TextLine

__all__ = [
    "Feed",
    "Masked",
    "PaperState",
    "PrinterState",
    "QrCode",
    "Receipt",
    "ReceiptPrinter",
    "ReceiptTemplate",
    "Rule",
    "TemplateError",
    "TextLine",
    "UnmaskedDataError",
    "find_unmasked",
    "mask_id_number",
    "mask_mobile",
    "mask_name",
    "mask_pan",
]
