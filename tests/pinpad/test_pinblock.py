"""Known-answer tests: ISO 9564 format 0, TDES (FIPS 81 / SP 800-67), SM4 (GB/T 32907), KCVs."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from drivers.pinpad import Algorithm, iso9564_format0, key_check_value
from drivers.pinpad.pinblock import clear_block, decode_iso9564_format0, ecb_decrypt, ecb_encrypt

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")


def test_format0_known_answer() -> None:
    assert iso9564_format0("1234", "4111111111111111") == bytes.fromhex("041225EEEEEEEEEE")


def test_format0_uses_twelve_digits_left_of_check_digit() -> None:
    # PAN field 0000 + 123456789012 (19-digit PAN, last digit is the check digit and is dropped).
    block = iso9564_format0("123456", "6222021234567890123")
    assert block == bytes(a ^ b for a, b in zip(bytes.fromhex("06123456FFFFFFFF"),
                                                bytes.fromhex("0000123456789012"), strict=True))


@pytest.mark.parametrize(("pin", "pan"), [("123", "4111111111111111"), ("1234567890123", "4111111111111111"),
                                          ("12a4", "4111111111111111"), ("1234", "411111111111"),
                                          ("1234", "41111111111111111111")])
def test_format0_refuses_malformed_input(pin: str, pan: str) -> None:
    with pytest.raises(ValueError):
        iso9564_format0(pin, pan)


@given(st.text("0123456789", min_size=4, max_size=12), st.text("0123456789", min_size=13, max_size=19))
def test_format0_round_trip(pin: str, pan: str) -> None:
    assert decode_iso9564_format0(iso9564_format0(pin, pan), pan) == pin


def test_sm4_block_is_format0_then_ff_padding() -> None:
    assert clear_block("1234", "4111111111111111", Algorithm.SM4).hex().upper() == "041225EEEEEEEEEE" + "FF" * 8
    assert clear_block("1234", "4111111111111111", Algorithm.TDES).hex().upper() == "041225EEEEEEEEEE"


def test_tdes_known_answers() -> None:
    # FIPS 81 DES example with K1 = K2 (TDES degenerates to single DES).
    key = bytes.fromhex("0123456789ABCDEF0123456789ABCDEF")
    assert ecb_encrypt(Algorithm.TDES, key, b"Now is t").hex().upper() == "3FA40E8A984D4815"
    # NIST SP 800-67 three-key example.
    key3 = bytes.fromhex("0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123")
    ct = ecb_encrypt(Algorithm.TDES, key3, b"The qufck brown fox jump")
    assert ct.hex().upper() == "A826FD8CE53B855FCCE21C8112256FE668D5C05DD9B6B900"
    assert ecb_decrypt(Algorithm.TDES, key3, ct) == b"The qufck brown fox jump"


def test_sm4_known_answers() -> None:
    # GB/T 32907-2016 appendix A, example 1 (one block) and example 2 (encrypted 1,000,000 times).
    assert ecb_encrypt(Algorithm.SM4, SM4_KEY, SM4_KEY).hex() == "681edf34d206965e86b3e94f536e4246"
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    block = SM4_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_key_check_values() -> None:
    assert key_check_value(Algorithm.TDES, bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")).hex() == "08d7b4"
    assert key_check_value(Algorithm.SM4, SM4_KEY) == ecb_encrypt(Algorithm.SM4, SM4_KEY, bytes(16))[:4]


def test_wrong_key_length_is_refused() -> None:
    with pytest.raises(ValueError):
        ecb_encrypt(Algorithm.SM4, bytes(24), bytes(16))
    with pytest.raises(ValueError):
        ecb_encrypt(Algorithm.TDES, bytes(16), bytes(7))
