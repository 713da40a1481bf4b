"""PIN block arithmetic and the pad's ciphers: ISO 9564 format 0, TDES and SM4, key check values.

Pure functions, no I/O. The emulator (standing in for the pad's firmware) and the tests use them; the kiosk
driver never calls `iso9564_format0` with real digits because it never has any.

SM4 padding rule (our pad protocol, written down because Chinese pads differ): SM4 has a 16-byte block, so
the 8-byte format-0 clear block is followed by eight 0xFF bytes. Equivalently: the PIN field is filled with
F nibbles to 32 nibbles and the PAN field is followed by eight zero bytes before the XOR. The host's HSM must
apply the same rule when it translates the block.
"""

from __future__ import annotations

import enum
import hmac

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SM4_BLOCK_PAD = b"\xff" * 8
TDES_KCV_LEN = 3  # ANSI X9.24: first three bytes of E(K, 0^8)
SM4_KCV_LEN = 4  # first four bytes of E(K, 0^16), as Chinese pads print it (8 hex digits)


class Algorithm(enum.IntEnum):
    """Key algorithms the pad supports; the value is the byte on the wire."""

    TDES = 0x01
    SM4 = 0x02

    @property
    def block_size(self) -> int:
        return 8 if self is Algorithm.TDES else 16

    @property
    def kcv_len(self) -> int:
        return TDES_KCV_LEN if self is Algorithm.TDES else SM4_KCV_LEN

    @property
    def key_lengths(self) -> tuple[int, ...]:
        return (16, 24) if self is Algorithm.TDES else (16,)


def _pan_field(pan: str) -> bytes:
    """`0000` + the 12 rightmost PAN digits excluding the check digit, as 8 bytes.

    Raises ValueError if the PAN is not 13 to 19 digits.
    """
    if not pan.isdigit() or not 13 <= len(pan) <= 19:
        raise ValueError("PAN must be 13 to 19 digits")
    return bytes.fromhex("0000" + pan[-13:-1])


def _pin_field(pin: str) -> bytes:
    """`0 | len | digits | F…` as 8 bytes.

    Raises ValueError if the PIN is not 4 to 12 digits.
    """
    if not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise ValueError("PIN must be 4 to 12 digits")
    return bytes.fromhex(f"0{len(pin):X}{pin}".ljust(16, "F"))


def iso9564_format0(pin: str, pan: str) -> bytes:
    """The 8-byte ISO 9564 format 0 clear PIN block: PIN field XOR PAN field.

    Raises ValueError if the PIN or PAN is malformed.
    """
    return bytes(a ^ b for a, b in zip(_pin_field(pin), _pan_field(pan), strict=True))


def decode_iso9564_format0(block: bytes, pan: str) -> str:
    """The PIN inside a clear format-0 block (the HSM's half, used by tests to prove a round trip).

    Raises ValueError if the block is not a valid format-0 block for this PAN.
    """
    if len(block) != 8:
        raise ValueError("format-0 block must be 8 bytes")
    field = bytes(a ^ b for a, b in zip(block, _pan_field(pan), strict=True)).hex().upper()
    length = int(field[1], 16)
    if field[0] != "0" or not 4 <= length <= 12:
        raise ValueError("not a format-0 PIN field")
    pin, fill = field[2 : 2 + length], field[2 + length :]
    if not pin.isdigit() or fill != "F" * len(fill):
        raise ValueError("not a format-0 PIN field")
    return pin


def clear_block(pin: str, pan: str, algorithm: Algorithm) -> bytes:
    """The clear block the pad encrypts: 8 bytes for TDES, 16 for SM4 (padding rule in the module doc)."""
    block = iso9564_format0(pin, pan)
    return block if algorithm is Algorithm.TDES else block + SM4_BLOCK_PAD


def _cipher(algorithm: Algorithm, key: bytes) -> Cipher:
    if len(key) not in algorithm.key_lengths:
        raise ValueError(f"{algorithm.name} key must be {algorithm.key_lengths} bytes")
    if algorithm is Algorithm.SM4:
        return Cipher(algorithms.SM4(key), modes.ECB())
    three_key = key if len(key) == 24 else key + key[:8]  # two-key TDES is K1 K2 K1
    return Cipher(TripleDES(three_key), modes.ECB())


def ecb_encrypt(algorithm: Algorithm, key: bytes, data: bytes) -> bytes:
    """ECB-encrypt whole blocks (PIN blocks and wrapped keys are block multiples by construction).

    Raises ValueError if the key length is wrong or data is not a whole number of blocks.
    """
    if len(data) % algorithm.block_size:
        raise ValueError("data must be a whole number of blocks")
    enc = _cipher(algorithm, key).encryptor()
    return enc.update(data) + enc.finalize()


def ecb_decrypt(algorithm: Algorithm, key: bytes, data: bytes) -> bytes:
    """ECB-decrypt whole blocks.

    Raises ValueError if the key length is wrong or data is not a whole number of blocks.
    """
    if len(data) % algorithm.block_size:
        raise ValueError("data must be a whole number of blocks")
    dec = _cipher(algorithm, key).decryptor()
    return dec.update(data) + dec.finalize()


def key_check_value(algorithm: Algorithm, key: bytes) -> bytes:
    """KCV: the first bytes of the key encrypting an all-zero block (3 for TDES, 4 for SM4)."""
    return ecb_encrypt(algorithm, key, bytes(algorithm.block_size))[: algorithm.kcv_len]


def kcv_matches(expected: bytes, actual: bytes) -> bool:
    """Constant-time KCV comparison."""
    return hmac.compare_digest(expected, actual)
