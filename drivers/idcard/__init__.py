"""Chinese second-generation ID card reader (SAM module on a serial port): protocol, document, driver.

Other parts use these names; the submodules are the implementation.
"""

from drivers.idcard.document import (
    DocumentInvalid,
    IdentityDocument,
    Sex,
    TextBlockError,
    ValidationIssue,
    ValidationRule,
    encode_text_block,
    id_check_digit,
    make_id_number,
    parse_text_block,
)
from drivers.idcard.driver import DeviceCheck, IdCardReader
from drivers.idcard.layouts import LAYOUTS, CardType
from drivers.idcard.protocol import (
    SW3_TABLE,
    CardRecord,
    Command,
    Frame,
    FrameDecoder,
    Outcome,
    Response,
    encode_command,
    encode_response,
)
from drivers.idcard.watch import CardEvent, CardEventKind

__all__ = [
    "LAYOUTS",
    "SW3_TABLE",
    "CardEvent",
    "CardEventKind",
    "CardRecord",
    "CardType",
    "Command",
    "DeviceCheck",
    "DocumentInvalid",
    "Frame",
    "FrameDecoder",
    "IdCardReader",
    "IdentityDocument",
    "Outcome",
    "Response",
    "Sex",
    "TextBlockError",
    "ValidationIssue",
    "ValidationRule",
    "encode_command",
    "encode_response",
    "encode_text_block",
    "id_check_digit",
    "make_id_number",
    "parse_text_block",
]
