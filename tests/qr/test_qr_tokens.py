"""Appointment tokens: signed on the central side, verified offline on the kiosk, every rejection typed."""

from __future__ import annotations

import base64
import string
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_api_client import tokens
from central_api_client.tokens import (
    MAX_TEXT_LENGTH,
    SCHEME,
    AlreadyUsed,
    BadSignature,
    Expired,
    KeyRing,
    Malformed,
    NotYetValid,
    SigningKey,
    TokenError,
    TokenKind,
    UnknownKey,
    WrongBranch,
    sign,
    verify,
)
from drivers.qr_render import qr_version

QR_ALPHANUMERIC = set(string.digits + string.ascii_uppercase + " $%*+-./:")
FIXTURES = [HealthCheck.function_scoped_fixture]


def _b32(text: str) -> bytes:
    encoded = text[len(SCHEME) :]
    return base64.b32decode(encoded + "=" * (-len(encoded) % 8))


def _text(raw: bytes) -> str:
    return SCHEME + base64.b32encode(raw).decode("ascii").rstrip("=")


def test_signed_token_verifies_with_every_field(make_token, ring, used, now, branch):
    for kind in TokenKind:
        text = make_token(kind=kind, appointment_id=f"APT-{kind.value}")
        token = verify(text, ring, branch_id=branch, now=now, consume=used)
        assert (token.kind, token.appointment_id, token.branch_id, token.key_id) == (
            kind,
            f"APT-{kind.value}",
            branch,
            "k2025a",
        )
        assert token.issued_at == now - timedelta(hours=1)
        assert token.not_after == now + timedelta(days=1)
        assert len(token.token_id) == 32 and token.version == tokens.FORMAT_VERSION


def test_longest_token_fits_qr_version_10_at_level_m_in_alphanumeric_mode(now):
    key = SigningKey.generate("K" * 16)
    text = sign(
        key,
        appointment_id="a" * 40,
        branch_id="b" * 16,
        kind=TokenKind.PAYROLL_BATCH,
        issued_at=now,
        not_after=now + timedelta(days=365),
    )
    assert len(text) == MAX_TEXT_LENGTH <= 311
    assert set(text) <= QR_ALPHANUMERIC
    assert qr_version(text, "M") <= 10


def test_tampered_field_with_original_signature_is_bad_signature(make_token, ring, now, branch):
    genuine = _b32(make_token(appointment_id="APT-1"))
    forged = _b32(make_token(appointment_id="APT-2"))
    spliced = forged[:-64] + genuine[-64:]  # other contents, the genuine signature
    with pytest.raises(BadSignature):
        verify(_text(spliced), ring, branch_id=branch, now=now, consume=None)


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_any_flipped_bit_is_rejected(make_token, ring, now, branch, data):
    raw = bytearray(_b32(make_token()))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(TokenError) as caught:
        verify(_text(bytes(raw)), ring, branch_id=branch, now=now, consume=None)
    if bit // 8 >= len(raw) - 64:
        assert isinstance(caught.value, BadSignature)  # a signature byte changed


@settings(max_examples=300, deadline=None, suppress_health_check=FIXTURES)
@given(data=st.data())
def test_any_replaced_character_is_rejected(make_token, ring, now, branch, data):
    text = make_token()
    # Draws must not depend on the token (it is random per example): pick a position and a character freely,
    # then map them onto this token, so hypothesis can replay a failing example exactly.
    index = data.draw(st.integers(0, 10_000)) % len(text)
    alphabet = sorted(QR_ALPHANUMERIC | set("abc=\x00é"))
    choice = data.draw(st.integers(0, len(alphabet) - 1))
    char = alphabet[choice] if alphabet[choice] != text[index] else alphabet[(choice + 1) % len(alphabet)]
    with pytest.raises(TokenError):
        verify(text[:index] + char + text[index + 1 :], ring, branch_id=branch, now=now, consume=None)


def test_every_truncation_is_malformed(make_token, ring, now, branch):
    text = make_token()
    for length in range(len(text)):
        with pytest.raises(Malformed):
            verify(text[:length], ring, branch_id=branch, now=now, consume=None)


@settings(max_examples=200, deadline=None, suppress_health_check=FIXTURES)
@given(
    junk=st.one_of(
        st.text(max_size=400), st.text(alphabet=sorted(QR_ALPHANUMERIC), max_size=300).map(lambda s: SCHEME + s)
    )
)
def test_foreign_text_is_malformed(ring, now, branch, junk):
    with pytest.raises(TokenError):
        verify(junk, ring, branch_id=branch, now=now, consume=None)


@pytest.mark.parametrize("junk", ["", "BKQ:", "https://example.com/a?b=1", "6222021234567890123", "bkq:AAAA"])
def test_not_ours_is_malformed(ring, now, branch, junk):
    with pytest.raises(Malformed):
        verify(junk, ring, branch_id=branch, now=now, consume=None)


def test_second_spelling_of_the_same_bytes_is_malformed(make_token, ring, now, branch):
    text = make_token()
    raw = _b32(text)
    assert len(raw) * 8 % 5, "the fixture must leave unused bits in the last character"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    bumped = text[:-1] + alphabet[alphabet.index(text[-1]) ^ 1]  # flips an unused padding bit only
    assert _b32(bumped) == raw
    with pytest.raises(Malformed):
        verify(bumped, ring, branch_id=branch, now=now, consume=None)


def test_unsupported_format_version_is_malformed(signing_key, ring, now, branch, make_token):
    body = bytearray(_b32(make_token())[:-64])
    body[0] = 2
    signature = signing_key.private_key.sign(SCHEME.encode() + bytes(body))
    with pytest.raises(Malformed, match="version 2"):
        verify(_text(bytes(body) + signature), ring, branch_id=branch, now=now, consume=None)


def test_expiry_and_start_honour_the_skew(make_token, ring, now, branch):
    text = make_token(issued_at=now - timedelta(days=2), not_after=now - timedelta(seconds=60))
    assert verify(text, ring, branch_id=branch, now=now, consume=None, skew=timedelta(seconds=60))
    with pytest.raises(Expired) as caught:
        verify(text, ring, branch_id=branch, now=now, consume=None, skew=timedelta(seconds=59))
    assert caught.value.token is not None and caught.value.token.branch_id == branch
    early = make_token(issued_at=now + timedelta(seconds=30), not_after=now + timedelta(days=1))
    assert verify(early, ring, branch_id=branch, now=now, consume=None, skew=timedelta(seconds=30))
    with pytest.raises(NotYetValid):
        verify(early, ring, branch_id=branch, now=now, consume=None, skew=timedelta(seconds=29))


def test_other_branch_is_rejected_and_not_spent(make_token, ring, used, now, branch):
    text = make_token()
    with pytest.raises(WrongBranch):
        verify(text, ring, branch_id="SH-0202", now=now, consume=used)
    assert verify(text, ring, branch_id=branch, now=now, consume=used)


def test_replayed_token_is_already_used(make_token, ring, used, now, branch):
    first, second = make_token(), make_token()  # same appointment, two issued codes
    verify(first, ring, branch_id=branch, now=now, consume=used)
    with pytest.raises(AlreadyUsed) as caught:
        verify(first, ring, branch_id=branch, now=now, consume=used)
    assert caught.value.code == "token_already_used"
    assert verify(second, ring, branch_id=branch, now=now, consume=used)


def test_expired_token_is_not_spent(make_token, ring, used, now, branch):
    text = make_token(issued_at=now - timedelta(days=3), not_after=now - timedelta(days=2))
    with pytest.raises(Expired):
        verify(text, ring, branch_id=branch, now=now, consume=used)
    assert verify(text, ring, branch_id=branch, now=now - timedelta(days=2), consume=used)


def test_unknown_key_and_rotation(make_token, ring, now, branch):
    new_key = SigningKey.generate("k2025b")
    text = make_token(key=new_key)
    with pytest.raises(UnknownKey):
        verify(text, ring, branch_id=branch, now=now, consume=None)
    ring.add(new_key.key_id, new_key.public_key)
    assert verify(text, ring, branch_id=branch, now=now, consume=None).key_id == "k2025b"
    assert verify(make_token(), ring, branch_id=branch, now=now, consume=None).key_id == "k2025a"
    ring.remove("k2025a")
    with pytest.raises(UnknownKey):
        verify(make_token(), ring, branch_id=branch, now=now, consume=None)
    assert list(ring) == ["k2025b"] and "k2025b" in ring and len(ring) == 1


def test_same_key_id_other_key_is_bad_signature(make_token, now, branch):
    impostor = SigningKey.generate("k2025a")
    with pytest.raises(BadSignature):
        verify(make_token(), KeyRing({"k2025a": impostor.public_key}), branch_id=branch, now=now, consume=None)


def test_every_error_is_a_token_error_with_its_own_code():
    classes = [Malformed, BadSignature, UnknownKey, Expired, NotYetValid, WrongBranch, AlreadyUsed]
    assert all(issubclass(cls, TokenError) for cls in classes)
    assert len({cls.code for cls in classes}) == len(classes)
    assert all(str(cls()) for cls in classes)


def test_key_texts_round_trip_raw_and_pem():
    private, public = tokens.generate_keypair()
    assert tokens.public_key_from_text(tokens.public_key_to_text(public)) == public
    restored = tokens.private_key_from_text(tokens.private_key_to_text(private))
    assert restored.public_key() == public
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert tokens.public_key_from_text(pem.decode()) == public
    ring = KeyRing.from_texts({"k1": tokens.public_key_to_text(public)})
    assert "k1" in ring and repr(ring) == "KeyRing(['k1'])"


@pytest.mark.parametrize("text", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_bad_key_text_is_value_error(text):
    with pytest.raises(ValueError):
        tokens.public_key_from_text(text)


def test_signing_key_repr_hides_the_private_key():
    key = SigningKey.generate("k9")
    assert "private" not in repr(key) and "k9" in repr(key)


@pytest.mark.parametrize(
    "overrides",
    [
        {"appointment_id": ""},
        {"appointment_id": "x" * 41},
        {"branch_id": "北京"},
        {"branch_id": "a b"},
        {"issued_at": datetime(2025, 1, 1)},
        {"not_after": datetime(2025, 1, 1, tzinfo=UTC)},
        {"token_id": b"short"},
        {"issued_at": datetime(1960, 1, 1, tzinfo=UTC)},
    ],
)
def test_sign_refuses_bad_fields(make_token, overrides):
    with pytest.raises(ValueError):
        make_token(**overrides)


def test_verify_wants_an_aware_clock(make_token, ring, branch):
    with pytest.raises(ValueError):
        verify(make_token(), ring, branch_id=branch, now=datetime(2025, 3, 14), consume=None)
