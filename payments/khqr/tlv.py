"""EMVCo TLV as the KHQR SDK writes it: two-digit tag, two-digit length, value; CRC-16/CCITT-FALSE.

Lengths count characters the way JavaScript's `String.length` does (UTF-16 code units): for Khmer and every
other character of the Basic Multilingual Plane that is Python's `len`; a character outside it (an emoji)
counts twice, as it does in the SDK. The CRC, however, runs over the UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from payments.khqr.errors import PREVIOUS_LENGTH_HINT, KHQRError

CRC_TAG = "63"
CRC_HEADER = "6304"
MAX_VALUE_LENGTH = 99


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of the UTF-8 bytes, as 4 uppercase hex digits."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return f"{crc:04X}"


def md5(qr: str) -> str:
    """The hash Bakong looks a payment up by: MD5 of the whole string (CRC included), lowercase hex."""
    return hashlib.md5(qr.encode("utf-8"), usedforsecurity=False).hexdigest()


def js_length(value: str) -> int:
    """`value.length` in JavaScript: UTF-16 code units."""
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


def tlv(tag: str, value: str) -> str:
    """One data object; refuses a value its two-digit length cannot describe (the SDK writes 3 digits)."""
    length = js_length(value)
    if length > MAX_VALUE_LENGTH:
        raise KHQRError("VALUE_TOO_LONG", tag=tag, length=length)
    return f"{tag}{length:02d}{value}"


def with_crc(body: str) -> str:
    """Append the CRC field: `6304` and the CRC of everything before it, `6304` included."""
    payload = body + CRC_HEADER
    return payload + crc16(payload)


class DataObject(NamedTuple):
    tag: str
    value: str
    position: int  # where the object starts, in characters (UTF-16 code units)


def parse(text: str, *, offset: int = 0) -> list[DataObject]:
    """Split `text` into data objects, refusing anything that is not exactly a sequence of TLVs.

    `offset` is added to the reported positions (for templates nested in a top-level field).
    """
    units = text.encode("utf-16-le", "surrogatepass")
    size = len(units) // 2

    def chars(start: int, end: int) -> str:
        return units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")

    objects: list[DataObject] = []
    position = 0
    while position < size:
        hint = str(PREVIOUS_LENGTH_HINT) % {"tag": objects[-1].tag} if objects else ""
        if size - position < 4:
            raise KHQRError(
                "TLV_INCOMPLETE", position=offset + position, rest=chars(position, size), hint=hint
            )
        tag, length = chars(position, position + 2), chars(position + 2, position + 4)
        if not (tag.isascii() and tag.isdigit()):
            raise KHQRError("TLV_TAG_INVALID", tag=tag, position=offset + position, hint=hint)
        if not (length.isascii() and length.isdigit()):
            raise KHQRError(
                "TLV_LENGTH_NOT_NUMERIC", tag=tag, length=length, position=offset + position, hint=hint
            )
        declared, available = int(length), size - position - 4
        if declared > available:
            raise KHQRError(
                "TLV_LENGTH_OVERRUN",
                tag=tag,
                position=offset + position,
                declared=declared,
                available=available,
            )
        value = chars(position + 4, position + 4 + declared)
        if _cuts_a_character(value):
            raise KHQRError("TLV_SPLITS_CHARACTER", tag=tag)
        objects.append(DataObject(tag, value, offset + position))
        position += 4 + declared
    return objects


def _cuts_a_character(value: str) -> bool:
    # Slicing UTF-16 between the two halves of a surrogate pair leaves a lone surrogate behind.
    return any("\ud800" <= char <= "\udfff" for char in value)


def serialize(objects: list[DataObject] | list[tuple[str, str]]) -> str:
    """The inverse of `parse`: `serialize(parse(qr)) == qr` for every well-formed string."""
    return "".join(tlv(obj[0], obj[1]) for obj in objects)
