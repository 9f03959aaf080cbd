"""Text normalisation shared by storage and search, so what is typed matches what was stored."""

from __future__ import annotations

import re
import unicodedata

from esb.crypto import KHMER_DIGITS

# Zero-width characters that Khmer input methods and word processors insert as word-break hints.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")


def clean_name(value: str | None) -> str:
    """NFC, no zero-width characters, single spaces, trimmed. Used for names before saving and searching."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def normalize_single_id(value: str | None) -> str:
    """A Single ID as stored: ASCII digits (Khmer digits converted), capitals, no spaces."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).translate(KHMER_DIGITS).translate(_INVISIBLE)
    return "".join(text.split()).upper()
