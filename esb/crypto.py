"""Encryption at rest for personal identifiers, and keyed hashes for exact-match lookups.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). `ESB_FIELD_ENCRYPTION_KEYS` is a list: the first
key encrypts, every key decrypts, so keys rotate without downtime. Lookups never decrypt: a keyed HMAC-SHA256
of the normalised value is stored beside the ciphertext and indexed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def _fernet_key(raw: str) -> bytes:
    """Accept a Fernet key as generated (`Fernet.generate_key()`), or any base64 of 32 bytes."""
    try:
        decoded = base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("ESB_FIELD_ENCRYPTION_KEYS holds a key that is not base64") from exc
    if len(decoded) != 32:
        raise ImproperlyConfigured("each ESB_FIELD_ENCRYPTION_KEYS entry must encode exactly 32 bytes")
    return base64.urlsafe_b64encode(decoded)


@cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("ESB_FIELD_ENCRYPTION_KEYS is empty")
    return MultiFernet([Fernet(_fernet_key(k)) for k in keys])


def _cipher() -> MultiFernet:
    return _multi_fernet(tuple(settings.ESB_FIELD_ENCRYPTION_KEYS))


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the current primary key (a no-op in meaning, a change in bytes)."""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def normalize_identifier(value: str) -> str:
    """The canonical form an identifier is hashed in: NFKC, Khmer digits to ASCII, no spaces/dashes, upper."""
    text = unicodedata.normalize("NFKC", value).translate(KHMER_DIGITS)
    return "".join(ch for ch in text if ch.isalnum()).upper()


def lookup_hash(value: str | None) -> str:
    """Keyed hash of a normalised identifier, for exact-match lookups ('' for an empty value)."""
    if not value:
        return ""
    normalized = normalize_identifier(value)
    if not normalized:
        return ""
    key = settings.ESB_LOOKUP_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
