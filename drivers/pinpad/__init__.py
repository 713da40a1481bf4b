"""Encrypting PIN pad: framed serial protocol, ISO 9564 format-0 blocks under TDES or SM4.

The clear PIN never leaves the pad (or its emulator); the kiosk holds only encrypted blocks.
"""

from drivers.pinpad.driver import EntryOutcome, KeyEvent, PadEvent, PhaseEvent, PinBlock, PinPad, WorkingKey
from drivers.pinpad.pinblock import Algorithm, iso9564_format0, key_check_value
from drivers.pinpad.protocol import Key, Phase
from drivers.pinpad.weak_pin import ALL_RULES, WeakRule

__all__ = [
    "ALL_RULES",
    "Algorithm",
    "EntryOutcome",
    "Key",
    "KeyEvent",
    "PadEvent",
    "Phase",
    "PhaseEvent",
    "PinBlock",
    "PinPad",
    "WeakRule",
    "WorkingKey",
    "iso9564_format0",
    "key_check_value",
]
