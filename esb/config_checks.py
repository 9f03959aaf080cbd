"""Checks the settings run on the environment's values at start-up (pure functions: no Django, no settings).

Each returns the problems it finds as sentences for the operator; `esb.settings` collects them all and refuses
to start in one report. Values are never echoed.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import unquote, urlsplit

# Values copied from a template and never replaced (deploy/env.example uses CHANGE_ME).
_PLACEHOLDER = re.compile(r"change[\s_.-]*me|replace[\s_.-]*me|<[^>]*>", re.IGNORECASE)
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def is_placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value))


def periodic(value: str) -> bool:
    """True for a short unit repeated ("secret" * 9, "ab" * 40, 32 × "a"), a whole or cut-off last copy."""
    return any(value[period:] == value[:-period] for period in range(1, len(value) // 3 + 1))


def weak_text_secret(value: str, min_length: int) -> str:
    """Why a text secret is weak ('' if it is not): too short, too few distinct characters, or repetitive."""
    if len(value) < min_length:
        return f"shorter than {min_length} characters"
    if len(set(value)) < 10 or periodic(value) or max(map(value.count, set(value))) > len(value) // 4:
        return "a repeated word or too few distinct characters"
    return ""


def weak_key_bytes(raw: bytes) -> bool:
    """Bytes that are all one value (all zeros) or have almost no variety were not randomly generated."""
    return len(set(raw)) < min(8, max(2, len(raw) // 2))


def url_password(url: str) -> str:
    try:
        return unquote(urlsplit(url).password or "")
    except ValueError:
        return ""


def dpi_url_problems(name: str, url: str, *, production: bool, crossing: str, service: str) -> list[str]:
    """A DPI's base URL: http(s) with a host; in production https and not the development sandbox.
    `crossing` says what would cross a plain-http link ("the token crosses it"); `service` names the real
    system."""
    if not url:
        return []  # reported as missing by the caller
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return [f"{name} must be an http(s) URL"]
    problems = []
    if production:
        if parts.scheme != "https":
            problems.append(f"{name} must use https:// in production ({crossing})")
        if parts.hostname in _LOOPBACK or "/sandbox/" in f"{parts.path}/":
            problems.append(f"{name} points at the development sandbox, not at {service}")
    return problems


def base64_key_problems(
    name: str, value: str, *, size: int, min_size: int, production: bool, dev_value: str, issuer: str
) -> list[str]:
    """A key issued as standard base64: not the public development value or a placeholder (production),
    `size` bytes exactly when AES needs it (0: any size of at least `min_size` in production), random."""
    if not value:
        return []  # reported as missing by the caller
    if production and value == dev_value:
        return [f"{name} is the public development value of the {issuer} sandbox"]
    if is_placeholder(value):
        return [f"{name} is a placeholder: set the value issued at {issuer} onboarding"]
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return [f"{name} must be standard base64 (as issued at {issuer} onboarding)"]
    smallest = min_size if production else 1
    if size and len(decoded) != size:
        return [f"{name} must decode to {size} bytes, not {len(decoded)}"]
    if not size and len(decoded) < smallest:
        return [f"{name} must decode to at least {smallest} bytes, not {len(decoded)}"]
    if production and weak_key_bytes(decoded):
        return [f"{name} is not random (all zeros or one repeated byte)"]
    return []
