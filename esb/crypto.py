"""Encryption at rest for personal identifiers, and keyed hashes for exact-match lookups.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256). `ESB_FIELD_ENCRYPTION_KEYS` is a list: the first
key encrypts, every key decrypts, so keys rotate without downtime (prepend a new key, deploy, run
`manage.py rotate_field_encryption`, then drop the old key). Lookups never decrypt: a keyed HMAC-SHA256 of the
normalised value is stored beside the ciphertext and indexed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")
_URLSAFE_TO_STANDARD = str.maketrans("-_", "+/")
_KEY_HINT = (
    "generate one with: "
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def _fernet_key(raw: str, position: int = 1) -> bytes:
    """Accept a Fernet key as generated (`Fernet.generate_key()`), or any base64 of 32 bytes.

    Errors name the variable and the entry's position, never the key itself (it may end up in logs).
    """
    text = raw.strip()
    padded = (text + "=" * (-len(text) % 4)).translate(_URLSAFE_TO_STANDARD)
    try:
        decoded = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(
            f"ESB_FIELD_ENCRYPTION_KEYS entry {position} is not valid base64; {_KEY_HINT}"
        ) from None
    if len(decoded) != 32:
        raise ImproperlyConfigured(
            f"ESB_FIELD_ENCRYPTION_KEYS entry {position} encodes {len(decoded)} bytes, not 32; {_KEY_HINT}"
        )
    return base64.urlsafe_b64encode(decoded)


def validate_keys(keys: Sequence[str]) -> None:
    """Raise ImproperlyConfigured with a clear message if the configured key list cannot work."""
    if not keys:
        raise ImproperlyConfigured(f"ESB_FIELD_ENCRYPTION_KEYS is empty; {_KEY_HINT}")
    for position, key in enumerate(keys, start=1):
        _fernet_key(key, position)


@cache
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    validate_keys(keys)
    return tuple(Fernet(_fernet_key(k, i)) for i, k in enumerate(keys, start=1))


@cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(list(_fernets(keys)))


def _keys() -> tuple[str, ...]:
    return tuple(settings.ESB_FIELD_ENCRYPTION_KEYS)


def _cipher() -> MultiFernet:
    return _multi_fernet(_keys())


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the current primary key (a no-op in meaning, a change in bytes)."""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError("no configured key decrypts this value") from exc


def is_current(token: str) -> bool:
    """True when the token is already encrypted under the primary key (so rotation can skip it).

    Only the HMAC is checked: that is what proves which key made the token, and it is cheaper than decrypting.
    """
    try:
        _fernets(_keys())[0].extract_timestamp(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def normalize_identifier(value: str) -> str:
    """The canonical form an identifier is hashed in.

    NFKC; every decimal digit (Khmer ០-៩ included) as ASCII; spaces, dashes, dots, slashes and other
    punctuation dropped; letters upper-cased. Combining marks are kept: dropping them would make different
    Khmer strings collide.
    """
    text = unicodedata.normalize("NFKC", value).translate(KHMER_DIGITS)
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Nd":
            kept.append(str(unicodedata.digit(ch)))
        elif category[0] in "LNM":
            kept.append(ch)
    return "".join(kept).upper()


def lookup_hash(value: str | None) -> str:
    """Keyed hash of a normalised identifier, for exact-match lookups ('' for an empty value)."""
    if not value:
        return ""
    normalized = normalize_identifier(value)
    if not normalized:
        return ""
    key = settings.ESB_LOOKUP_HASH_KEY.encode("utf-8")
    return hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).hexdigest()
