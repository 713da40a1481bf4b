"""The identity document read from a card: parse and build the 256-byte text block, validate the contents.

One typed `IdentityDocument` for all four layouts, so the flow never looks at bytes or at the card type
to find a name. Its repr masks personal data: a document object may end up in a log line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from drivers.errors import ProtocolError
from drivers.idcard.layouts import (
    CONTINUATIONS,
    FLAG_OFFSET,
    LAYOUTS,
    NATIONS,
    NO_EXPIRY,
    SEX_CODES,
    CardType,
    FieldSpec,
)

TEXT_BLOCK_LEN = 256
_PAD = " "
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"


class TextBlockError(ProtocolError):
    """The card's text block cannot be parsed (wrong length, not UCS-2, unknown card-type flag)."""


class Sex(enum.Enum):
    """GB/T 2261.1 sex codes."""

    UNKNOWN = "0"
    MALE = "1"
    FEMALE = "2"
    UNSTATED = "9"


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-character ID number.

    Raises ValueError if `first17` is not 17 digits.
    """
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need 17 digits")
    return _CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_id_number(region: str, birth: str, sequence: str) -> str:
    """An 18-character ID number with a correct check digit (for emulators, tests and demos).

    Raises ValueError unless region is 6 digits, birth 8 digits (YYYYMMDD) and sequence 3 digits.
    """
    if len(region) != 6 or len(birth) != 8 or len(sequence) != 3:
        raise ValueError("region 6, birth 8 and sequence 3 digits")
    first17 = region + birth + sequence
    return first17 + id_check_digit(first17)


def _mask(value: str | None, keep_head: int, keep_tail: int) -> str | None:
    if not value:
        return value
    if len(value) <= keep_head + keep_tail:
        return value[:1] + "*" * max(len(value) - 1, 1)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[len(value) - keep_tail :]


def _parse_date(text: str) -> dt.date | None:
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        return None
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


@dataclass(frozen=True, repr=False)
class IdentityDocument:
    """What a card says about its holder, whatever the layout; `raw` keeps each field's text as read."""

    card_type: CardType
    name: str | None
    english_name: str | None
    sex: Sex | None
    nation: str | None  # GB/T 3304 code, resident ID and HMT permit
    nationality: str | None  # GB/T 2659 alpha-3, foreigner cards
    birth_date: dt.date | None
    address: str | None
    number: str
    authority: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None  # None when the card never expires (长期) or the date is not real
    photo: bytes = b""  # WLT, kept raw: decoding needs the vendor's licensed library
    fingerprint: bytes | None = None
    appended_address: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def no_expiry(self) -> bool:
        """True for a long-term card (valid to 长期)."""
        return self.raw.get("valid_to") == NO_EXPIRY

    @property
    def nation_name(self) -> str | None:
        """The nation's name (e.g. 汉) for a resident ID, None if not present or unknown."""
        return NATIONS.get(self.nation or "")

    @property
    def current_address(self) -> str | None:
        """The appended (latest) address when one was read, else the printed one."""
        return self.appended_address or self.address

    def extra(self, key: str) -> str | None:
        """A layout-specific field (pass_number, issue_count, renewal_count, card_version, ...)."""
        return self.raw.get(key) or None

    def with_extras(self, **changes: object) -> IdentityDocument:
        """A copy with photo / fingerprint / appended address filled in by later reads."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        fp = "None" if self.fingerprint is None else f"<{len(self.fingerprint)} bytes>"
        return (
            f"IdentityDocument(card_type={self.card_type.name}, name={_mask(self.name, 1, 0)!r}, "
            f"english_name={_mask(self.english_name, 1, 0)!r}, number={_mask(self.number, 3, 4)!r}, "
            f"address={'***' if self.address else None!r}, photo=<{len(self.photo)} bytes>, fingerprint={fp})"
        )

    __str__ = __repr__

    def validation_issues(self, today: dt.date) -> tuple[ValidationIssue, ...]:
        """Every rule the document breaks (empty when it is acceptable on `today`)."""
        from drivers.idcard.validation import check_document

        return check_document(self, today)

    def validate(self, today: dt.date) -> None:
        """Accept the document or say why not. Raises DocumentInvalid naming the first failed rule."""
        issues = self.validation_issues(today)
        if issues:
            raise DocumentInvalid(issues)


class ValidationRule(enum.Enum):
    """The rules a document is checked against; `DocumentInvalid.rule` names one of these."""

    MISSING_FIELD = "missingField"
    NUMBER_FORMAT = "numberFormat"
    CHECK_DIGIT = "checkDigit"
    BIRTH_DATE_MISMATCH = "birthDateMismatch"
    SEX_MISMATCH = "sexMismatch"
    FIELD_CODE = "fieldCode"
    INVALID_DATE = "invalidDate"
    DATE_ORDER = "dateOrder"
    NOT_YET_VALID = "notYetValid"
    EXPIRED = "expired"


@dataclass(frozen=True)
class ValidationIssue:
    """One broken rule; `detail` names the field, never its value (values are personal data)."""

    rule: ValidationRule
    detail: str


class DocumentInvalid(ValueError):
    """The identity document fails validation; `rule` is the first failed rule, `issues` all of them."""

    def __init__(self, issues: tuple[ValidationIssue, ...]) -> None:
        super().__init__("; ".join(f"{i.rule.value}: {i.detail}" for i in issues))
        self.issues = issues
        self.rule = issues[0].rule


def _decode_fields(text: bytes, layout: tuple[FieldSpec, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for spec in layout:
        chunk = text[spec.offset : spec.offset + spec.length]
        values[spec.name] = chunk.decode("utf-16-le")
    for extra, base in CONTINUATIONS.items():
        if extra in values:
            values[base] = values[base] + values.pop(extra)
    return {k: v.strip(" \x00") for k, v in values.items()}


def card_type_of(text: bytes) -> CardType:
    """The layout named by the flag at bytes 248-249. Raises TextBlockError for an unknown flag."""
    flag = text[FLAG_OFFSET : FLAG_OFFSET + 2]
    if flag == b"\x00\x00":
        return CardType.RESIDENT  # reserved bytes left zero: treated as the resident layout
    try:
        return CardType(flag.decode("utf-16-le"))
    except (UnicodeDecodeError, ValueError):
        raise TextBlockError(f"unknown card-type flag {flag.hex()}", raw=text, code="cardType") from None


def parse_text_block(text: bytes) -> IdentityDocument:
    """The document in a 256-byte text block of any of the four layouts.

    Never rejects a document for its contents (that is `validate`'s job, so the reason can be named).
    Raises TextBlockError if the block is not 256 bytes, not UCS-2, or has an unknown card-type flag.
    """
    if len(text) != TEXT_BLOCK_LEN:
        raise TextBlockError(f"text block is {len(text)} bytes, expected {TEXT_BLOCK_LEN}", code="textLength")
    card_type = card_type_of(text)
    try:
        values = _decode_fields(text, LAYOUTS[card_type])
    except UnicodeDecodeError:
        raise TextBlockError("text block is not UCS-2", raw=text, code="encoding") from None
    get = values.get
    sex_code = get("sex", "")
    return IdentityDocument(
        card_type=card_type,
        name=get("name") or None,
        english_name=get("english_name") or None,
        sex=Sex(sex_code) if sex_code in SEX_CODES else None,
        nation=get("nation") or None,
        nationality=get("nationality") or None,
        birth_date=_parse_date(get("birth_date", "")),
        address=get("address") or None,
        number=get("number", ""),
        authority=get("authority") or None,
        valid_from=_parse_date(get("valid_from", "")),
        valid_to=_parse_date(get("valid_to", "")),
        raw=MappingProxyType(values),
    )


def _encode_field(spec: FieldSpec, value: str) -> bytes:
    if len(value) > spec.chars:
        raise ValueError(f"{spec.name} longer than {spec.chars} characters")
    if any(ord(c) > 0xFFFF or 0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError(f"{spec.name} has characters outside UCS-2")
    return (value + _PAD * (spec.chars - len(value))).encode("utf-16-le")


def _split_continuations(fields: dict[str, str], layout: tuple[FieldSpec, ...]) -> dict[str, str]:
    specs = {s.name: s for s in layout}
    for extra, base in CONTINUATIONS.items():
        if extra in specs and base in fields and extra not in fields:
            head = specs[base].chars
            fields[base], fields[extra] = fields[base][:head], fields[base][head:]
    return fields


def encode_text_block(card_type: CardType = CardType.RESIDENT, **fields: str) -> bytes:
    """Build a 256-byte text block of the given layout from field texts (the emulator's and tests' builder).

    Field names are those of `layouts.LAYOUTS[card_type]`; values are written as given (dates as YYYYMMDD,
    sex as "1"/"2", valid_to may be 长期), so invalid contents can be built on purpose. An English name too
    long for its field spills into its continuation field where the layout has one.
    Raises ValueError for an unknown field name, a value too long for its field, or a non-UCS-2 character.
    """
    layout = LAYOUTS[card_type]
    specs = {s.name: s for s in layout}
    unknown = set(fields) - set(specs)
    if unknown:
        raise ValueError(f"fields not in the {card_type.name} layout: {sorted(unknown)}")
    block = bytearray(_PAD.encode("utf-16-le") * (TEXT_BLOCK_LEN // 2))
    for name, value in _split_continuations(dict(fields), layout).items():
        spec = specs[name]
        block[spec.offset : spec.offset + spec.length] = _encode_field(spec, value)
    block[FLAG_OFFSET : FLAG_OFFSET + 2] = card_type.value.encode("utf-16-le")
    return bytes(block)


def decode_address(data: bytes) -> str | None:
    """The appended address (70 bytes UCS-2), None when blank. Raises TextBlockError if not UCS-2."""
    try:
        text = data.decode("utf-16-le").strip(" \x00")
    except UnicodeDecodeError:
        raise TextBlockError("appended address is not UCS-2", raw=data, code="encoding") from None
    return text or None


def encode_address(address: str, length: int = 70) -> bytes:
    """The 70-byte appended-address block for the emulator. Raises ValueError if too long."""
    return _encode_field(FieldSpec("appended_address", 0, length), address)
