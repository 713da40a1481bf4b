"""Keys and helpers for the PIN pad tests; the test plays the bank's host (HSM)."""

from __future__ import annotations

from drivers.pinpad import Algorithm, WorkingKey, key_check_value
from drivers.pinpad.pinblock import ecb_encrypt

TDES_MASTER = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
SM4_MASTER = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
TDES_WORKING = bytes.fromhex("89ABCDEF0123456776543210FEDCBA98")
SM4_WORKING = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
MASTERS = {1: (Algorithm.TDES, TDES_MASTER), 2: (Algorithm.SM4, SM4_MASTER)}
PAN = "6222021234567890123"


def wrapped(algorithm: Algorithm, master: bytes, working: bytes, slot: int, master_slot: int) -> WorkingKey:
    """What the host sends: the working key under the master key, with the working key's KCV."""
    return WorkingKey(master_slot, slot, algorithm, ecb_encrypt(algorithm, master, working),
                      key_check_value(algorithm, working))
