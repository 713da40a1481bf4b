"""The message catalogue (assets/i18n/<locale>.toml): every locale has the same keys, no empty text, the same
placeholders, and the API answers a missing key with the key itself (which the rendered-screens test catches)."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

from kiosk_app import i18n
from kiosk_app.ui.texts import ManagerTexts, Texts


def flat(table: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_locale_has_the_same_keys_and_placeholders_and_no_blank() -> None:
    tables = {locale: dict(flat(i18n.catalogue(locale))) for locale in i18n.LOCALES}
    zh, en = tables["zh_CN"], tables["en"]
    assert sorted(set(zh) ^ set(en)) == []
    assert [k for table in tables.values() for k, v in table.items() if not isinstance(v, str) or not v.strip()] == []
    assert [k for k in zh if placeholders(zh[k]) != placeholders(en[k])] == []


def test_texts_read_the_catalogue_and_name_what_they_lack() -> None:
    zh, en = Texts("zh_CN"), Texts("en")
    assert zh.seconds(30) == "30 秒" and en.seconds(30) == "30 seconds"
    assert zh.outcome("refused:card_not_taken") == "未办成（客户未取卡：卡片已回收至废卡箱）"
    assert zh.value("reason", "onsite_identity") == "开立一类账户：请现场核验客户身份"
    assert zh.value("resume", "await_id_card") == "读取身份证" and zh.value("path", "appointment") == "预约开户"
    assert zh.title("no_such_step") == "no_such_step"
    assert ManagerTexts("zh_CN").get("state", "hardwareError") == "硬件故障"
    assert ManagerTexts("en").get("advice", "refill_stock") == "Cards running low: refill"
