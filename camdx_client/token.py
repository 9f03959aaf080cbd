"""The CamDigiKey ORGANIZATION token the portal presents to CamDX providers (`Authorization: Bearer …`,
dpi-protocols.md §1.6, §2.5–2.6), cached in the shared cache until shortly before it expires.

The token's `exp` claim is read without checking the signature: it only decides how long we keep our own
token, never whether to trust one (the provider validates it through CamDigiKey's token-status API).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache

from accounts.camdigikey.client import get_client
from accounts.camdigikey.errors import CamDigiKeyError
from camdx_client.errors import OrganizationTokenError

logger = logging.getLogger(__name__)

CACHE_VERSION = 1


def cache_key() -> str:
    """One cached token per CamDigiKey server and client (a changed configuration fetches a new one)."""
    config = settings.CAMDIGIKEY
    digest = hashlib.sha256(f"{config['BASE_URL']}|{config['CLIENT_ID']}".encode()).hexdigest()[:24]
    return f"camdx:organization-token:v{CACHE_VERSION}:{digest}"


def expires_at(token: str) -> int | None:
    """The `exp` claim of a JWT-shaped token, unverified (None when it cannot be read)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
        exp = claims.get("exp") if isinstance(claims, dict) else None
    except (ValueError, TypeError):
        return None
    return int(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def organization_token(*, refresh_margin: int) -> str:
    """A current organization token: the cached one, or a new one from CamDigiKey (then cached until
    `refresh_margin` seconds before its `exp`; a token without a readable `exp` is not cached)."""
    key = cache_key()
    try:
        cached = cache.get(key)
    except Exception:
        logger.warning("cache unavailable: asking CamDigiKey for an organization token")
        cached = None
    if isinstance(cached, str) and cached:
        return cached
    try:
        token = get_client().get_organization_access_token()
    except CamDigiKeyError as exc:
        raise OrganizationTokenError(f"CamDigiKey gave no organization token ({exc.code})") from exc
    exp = expires_at(token)
    ttl = (exp - int(time.time()) - refresh_margin) if exp is not None else 0
    if ttl > 0:
        try:
            cache.set(key, token, ttl)
        except Exception:
            logger.warning("cache unavailable: the organization token is not cached")
    return token


def forget() -> None:
    """Drop the cached token (a provider refused it: the next call fetches a new one)."""
    try:
        cache.delete(cache_key())
    except Exception:
        logger.warning("cache unavailable: the organization token could not be forgotten")
