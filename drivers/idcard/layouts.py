"""Field tables of the four 256-byte text-block layouts, and the code tables their fields use.

Kept as data in one place: public sources label some bytes of the foreigner layouts differently, so a
correction is a one-line edit here, and the parser and the encoder both follow it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class CardType(enum.Enum):
    """The card-type flag at bytes 248-249 of the text block."""

    RESIDENT = " "
    HMT_RESIDENCE_PERMIT = "J"  # Hong Kong / Macau / Taiwan residents' residence permit
    FOREIGNER_PERMANENT = "I"  # foreigner permanent residence card, 2017 layout
    FOREIGNER_PERMANENT_2023 = "Y"  # foreigner permanent residence card, 2023 layout


FLAG_OFFSET = 248


@dataclass(frozen=True)
class FieldSpec:
    """One field: byte offset and byte length inside the text block (UCS-2 LE, space padded)."""

    name: str
    offset: int
    length: int

    @property
    def chars(self) -> int:
        return self.length // 2


def _fields(*specs: tuple[str, int, int]) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(*s) for s in specs)


_RESIDENT_HEAD = (
    ("name", 0, 30),
    ("sex", 30, 2),
    ("nation", 32, 4),
    ("birth_date", 36, 16),
    ("address", 52, 70),
    ("number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
)

LAYOUTS: dict[CardType, tuple[FieldSpec, ...]] = {
    CardType.RESIDENT: _fields(*_RESIDENT_HEAD),
    CardType.HMT_RESIDENCE_PERMIT: _fields(*_RESIDENT_HEAD, ("pass_number", 220, 18), ("issue_count", 238, 4)),
    CardType.FOREIGNER_PERMANENT: _fields(
        ("english_name", 0, 120),
        ("sex", 120, 2),
        ("number", 122, 30),
        ("nationality", 152, 6),
        ("name", 158, 30),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
        ("birth_date", 220, 16),
        ("card_version", 236, 4),
        ("authority_code", 240, 8),
    ),
    CardType.FOREIGNER_PERMANENT_2023: _fields(
        ("name", 0, 30),
        ("sex", 30, 2),
        ("renewal_count", 32, 4),
        ("birth_date", 36, 16),
        ("english_name", 52, 70),
        ("number", 122, 36),
        ("valid_from", 188, 16),
        ("valid_to", 204, 16),
        ("english_name_more", 220, 22),  # continuation of the English name
        ("nationality", 242, 6),
        ("previous_card_link", 250, 6),
    ),
}

# Fields that continue another one: the parser joins them, the encoder splits.
CONTINUATIONS: dict[str, str] = {"english_name_more": "english_name"}

NO_EXPIRY = "长期"

# GB/T 2261.1 sex codes.
SEX_CODES = {"0": "unknown", "1": "male", "2": "female", "9": "unstated"}

# GB/T 3304 nation codes (民族), 01-56 in order, then 97 and 98.
_NATION_NAMES = (
    "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
    "满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
    "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
    "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
    "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
    "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
)
NATIONS: dict[str, str] = {f"{i:02d}": name for i, name in enumerate(_NATION_NAMES, start=1)} | {
    "97": "其他",
    "98": "外国血统中国籍人士",
}
