"""Webhook signatures of the member gateway (Stripe-style; the contract is in docs/payments.md).

    ESB-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the shared secret>

The signature covers the exact bytes received (never a re-serialised JSON) and the timestamp, so a captured
request cannot be replayed later with a fresh time. Several `v1=` values may be sent while a secret is being
rotated: any one matching is enough. Pure functions: used by the portal and by the gateway simulator.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "ESB-Gateway-Signature"
SCHEME = "v1"


class SignatureError(Exception):
    """Why a signature was refused: `code` is the documented error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def compute(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header_value(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header a sender puts on `body`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},{SCHEME}={compute(secret, timestamp, body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _sep, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("bad_signature", f"the {HEADER} header is not t=<unix>,v1=<hex>")
    return timestamp, signatures


def verify(header: str | None, body: bytes, secret: str, *, tolerance: int, now: float | None = None) -> int:
    """The signed timestamp when `header` signs `body` with `secret` within `tolerance` seconds of now;
    SignatureError otherwise (missing_signature, bad_signature, stale_timestamp). The signature is checked
    first (in constant time), so the timestamp of a forged header is never trusted."""
    if not header:
        raise SignatureError("missing_signature", f"the {HEADER} header is missing")
    if not secret:
        raise SignatureError("bad_signature", "no webhook secret is configured")
    timestamp, signatures = _parse(header[:1000])
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("bad_signature", "the signature does not match the body")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("stale_timestamp", f"the signed time is more than {tolerance} s from now")
    return timestamp
