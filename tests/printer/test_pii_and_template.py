"""Receipt templates accept personal data only masked, and nothing unmasked passes the check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from printer_support import ID_NUMBER, PAN, TEMPLATE, fields

from drivers.printer import (
    QrCode,
    ReceiptTemplate,
    Rule,
    TemplateError,
    TextLine,
    UnmaskedDataError,
    find_unmasked,
    mask_id_number,
    mask_mobile,
    mask_pan,
)


def luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [(f"card {PAN}", ["pan"]), ("卡号4111 1111 1111 1111", ["pan"]), ("4111-1111-1111-1111", ["pan"]),
     (f"证件{ID_NUMBER}", ["id"]), ("old id 110101900307123", ["id"]), ("手机13812345678", ["mobile"]),
     ("date 2026-01-15 10:42", []), ("ref R20260115123456789", []), ("95588", []), ("amount 1234567.89", []),
     (str(mask_pan(PAN)), []), (str(mask_id_number(ID_NUMBER)), []), (str(mask_mobile("13812345678")), [])],
)
def test_find_unmasked(text: str, kinds: list[str]) -> None:
    assert find_unmasked(text) == kinds


@given(st.text("0123456789", min_size=10, max_size=16))
def test_any_unionpay_card_is_caught_and_its_mask_is_clean(tail: str) -> None:
    pan = luhn_complete("62" + tail)
    assert "pan" in find_unmasked(f"卡号：{pan}")
    masked = str(mask_pan(pan))
    assert find_unmasked(f"卡号：{masked}") == [] and pan not in masked


def test_template_renders_elements() -> None:
    receipt = TEMPLATE.render(fields())
    first = receipt.elements[0]
    assert first == TextLine("示例银行", align="center", bold=True, double=True)
    assert isinstance(receipt.elements[2], Rule)
    assert QrCode("https://weixin.qq.com/r/example-bank") in receipt.elements
    assert "卡号：622202*********0123" in receipt.plain_text()


@pytest.mark.parametrize("field", ["card_number", "id_number", "customer_name"])
def test_personal_fields_must_be_masked(field: str) -> None:
    values = {**fields(), field: "whatever"}
    with pytest.raises(UnmaskedDataError, match=field):
        TEMPLATE.render(values)


def test_raw_numbers_in_any_field_are_refused_without_echoing_them() -> None:
    values = {**fields(), "services": f"借记卡 {PAN}"}
    with pytest.raises(UnmaskedDataError) as info:
        TEMPLATE.render(values)
    assert PAN not in str(info.value)
    with pytest.raises(UnmaskedDataError):
        TEMPLATE.render({**fields(), "official_account_url": f"https://x.example/?id={ID_NUMBER}"})


def test_values_cannot_inject_directives_and_bad_templates_fail() -> None:
    receipt = ReceiptTemplate.from_text("{services}").render({"services": "@qr evil"})
    assert receipt.elements == (TextLine("@qr evil"),)
    with pytest.raises(TemplateError, match="without values"):
        TEMPLATE.render({"bank_name": "x"})
    with pytest.raises(TemplateError, match="@blink"):
        ReceiptTemplate.from_text("@blink hi").render({})
