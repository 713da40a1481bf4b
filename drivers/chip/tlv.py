"""BER-TLV as EMV uses it (Book 3, Annex B): tags of 1-3+ bytes, definite lengths up to 4 bytes, nesting.

Our own small parser rather than a dependency: it is ~150 lines, must turn any byte string a card sends into
either a tree or a `TlvError` carrying the raw bytes (hypothesis checks that), and must never echo values
(card numbers) into reprs or messages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from drivers.errors import FramingError

MAX_DEPTH = 16  # real EMV templates nest 3-4 deep; a bound keeps hostile input from recursing forever
_PADDING = 0x00  # EMV allows 00 bytes before, between and after data objects


class TlvError(FramingError):
    """Bytes from the card are not valid BER-TLV."""


@dataclass(frozen=True)
class Tlv:
    """One data object: tag (as an int, e.g. 0x5F24), raw value, and children when constructed.

    The repr shows tag and length only: values may hold a PAN or a cardholder name.
    """

    tag: int
    value: bytes
    children: tuple[Tlv, ...] = ()

    @property
    def constructed(self) -> bool:
        return tag_is_constructed(self.tag)

    def find(self, tag: int) -> Tlv | None:
        """The first object with `tag` in this object's subtree (itself included), depth first."""
        return find_tlv((self,), tag)

    def __repr__(self) -> str:
        kids = f", children={len(self.children)}" if self.children else ""
        return f"Tlv(tag={self.tag:X}, len={len(self.value)}{kids})"


def tag_is_constructed(tag: int) -> bool:
    """Bit 6 of a tag's first byte marks a constructed (template) object."""
    first = tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")[0]
    return bool(first & 0x20)


def parse_tlv(data: bytes, *, recurse: bool = True) -> tuple[Tlv, ...]:
    """Parse a sequence of data objects, descending into constructed ones when `recurse`.

    Raises TlvError (with `raw` = the whole input) if the bytes are truncated, use an indefinite or
    over-long length, a tag longer than 4 bytes, or nest deeper than MAX_DEPTH.
    """
    try:
        return _parse(bytes(data), 0, recurse)
    except TlvError as exc:
        raise TlvError(str(exc), raw=bytes(data), code=exc.code) from None


def _parse(data: bytes, depth: int, recurse: bool) -> tuple[Tlv, ...]:
    if depth > MAX_DEPTH:
        raise TlvError(f"nesting deeper than {MAX_DEPTH}", code="tooDeep")
    out: list[Tlv] = []
    pos = 0
    while pos < len(data):
        if data[pos] == _PADDING:
            pos += 1
            continue
        tag, pos = read_tag(data, pos)
        length, pos = _read_length(data, pos)
        if pos + length > len(data):
            raise TlvError(f"tag {tag:X} wants {length} bytes, {len(data) - pos} left", code="truncated")
        value = data[pos : pos + length]
        pos += length
        children = _parse(value, depth + 1, recurse) if recurse and tag_is_constructed(tag) else ()
        out.append(Tlv(tag, value, children))
    return tuple(out)


def read_tag(data: bytes, pos: int) -> tuple[int, int]:
    """Read one tag at `pos`; returns (tag, next position). Raises TlvError if truncated or > 4 bytes."""
    start = pos
    first = data[pos]
    pos += 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise TlvError("tag truncated", code="truncated")
            pos += 1
            if not data[pos - 1] & 0x80:
                break
            if pos - start >= 4:
                raise TlvError("tag longer than 4 bytes", code="badTag")
    return int.from_bytes(data[start:pos], "big"), pos


def _read_length(data: bytes, pos: int) -> tuple[int, int]:
    if pos >= len(data):
        raise TlvError("length missing", code="truncated")
    first = data[pos]
    pos += 1
    if first < 0x80:
        return first, pos
    count = first & 0x7F
    if count == 0:
        raise TlvError("indefinite length is not allowed in EMV", code="badLength")
    if count > 4:
        raise TlvError(f"{count}-byte length field", code="badLength")
    if pos + count > len(data):
        raise TlvError("length truncated", code="truncated")
    return int.from_bytes(data[pos : pos + count], "big"), pos + count


def find_tlv(objects: tuple[Tlv, ...], tag: int) -> Tlv | None:
    """The first object with `tag` anywhere in `objects` (depth first), or None."""
    for obj in walk(objects):
        if obj.tag == tag:
            return obj
    return None


def walk(objects: tuple[Tlv, ...]) -> Iterator[Tlv]:
    """Every object in document order, parents before their children."""
    for obj in objects:
        yield obj
        yield from walk(obj.children)


def encode_tag(tag: int) -> bytes:
    """The tag's bytes (tags are kept as the int of their big-endian bytes)."""
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def encode_length(length: int) -> bytes:
    """Shortest definite BER length. Raises ValueError if negative or over 4 bytes."""
    if length < 0 or length > 0xFFFFFFFF:
        raise ValueError(f"length {length} out of range")
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, value: bytes | Tlv | tuple[Tlv, ...] | list[Tlv]) -> bytes:
    """One data object; `value` may be raw bytes or objects to nest (encoded in order)."""
    if isinstance(value, Tlv):
        value = encode(value)
    elif isinstance(value, tuple | list):
        value = b"".join(encode(v) for v in value)
    return encode_tag(tag) + encode_length(len(value)) + bytes(value)


def encode(obj: Tlv) -> bytes:
    """Re-encode a parsed object (children win over value for constructed objects that have them)."""
    if obj.children:
        return encode_tlv(obj.tag, obj.children)
    return encode_tlv(obj.tag, obj.value)


def parse_dol(data: bytes) -> tuple[tuple[int, int], ...]:
    """A data object list (PDOL, CDOL): (tag, length) pairs with no values.

    Raises TlvError if the list is truncated.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    try:
        while pos < len(data):
            tag, pos = read_tag(data, pos)
            length, pos = _read_length(data, pos)
            out.append((tag, length))
    except TlvError as exc:
        raise TlvError(f"bad DOL: {exc}", raw=bytes(data), code=exc.code) from None
    return tuple(out)
