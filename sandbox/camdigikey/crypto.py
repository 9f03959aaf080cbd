"""Server side of the CamDigiKey envelope and token signatures.

Written independently of the portal's client (accounts/camdigikey/) on purpose: the integration tests then
check two implementations of dpi-protocols.md §2.4 and §2.7 against each other, not one against itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import uuid
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from sandbox.camdigikey.keys import signing_material

ISSUER = "CamDX-CamDigiKey"


class EnvelopeError(Exception):
    """The request envelope is malformed, forged or undecryptable."""


class TokenError(Exception):
    """A token presented to the simulator is malformed or not signed by it."""


def _b64d(value: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError("not a string")
    text = value.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


# --- envelope ---------------------------------------------------------------------------------------------


def open_request(body: dict, hmac_key: str, aes_key: str, aes_iv: str) -> dict:
    """Verify `signature` = HMAC-SHA512(clientId + "." + params) first, then decrypt `params` to a dict."""
    try:
        params = body["params"]
        given = base64.b64decode(body["signature"], validate=True)
        expected = hmac.new(
            base64.b64decode(hmac_key), f"{body['clientId']}.{params}".encode(), hashlib.sha512
        ).digest()
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise EnvelopeError("malformed envelope") from exc
    if not hmac.compare_digest(given, expected):
        raise EnvelopeError("envelope signature mismatch")
    try:
        ciphertext = base64.b64decode(params, validate=True)
        decryptor = Cipher(
            algorithms.AES(base64.b64decode(aes_key)), modes.CBC(base64.b64decode(aes_iv))
        ).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = sym_padding.PKCS7(128).unpadder()
        payload = json.loads((unpadder.update(padded) + unpadder.finalize()).decode("utf-8"))
    except (TypeError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise EnvelopeError("undecryptable params") from exc
    if not isinstance(payload, dict):
        raise EnvelopeError("params is not a JSON object")
    return payload


def seal_response(answer: dict, hmac_key: str, aes_key: str, aes_iv: str) -> dict:
    """{"data": b64(AES(answer)), "signature": b64(HMAC-SHA512(ciphertext bytes))}."""
    padder = sym_padding.PKCS7(128).padder()
    plaintext = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(
        algorithms.AES(base64.b64decode(aes_key)), modes.CBC(base64.b64decode(aes_iv))
    ).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = hmac.new(base64.b64decode(hmac_key), ciphertext, hashlib.sha512).digest()
    return {"data": base64.b64encode(ciphertext).decode("ascii"), "signature": base64.b64encode(mac).decode()}


# --- tokens -----------------------------------------------------------------------------------------------


def new_jti() -> str:
    return str(uuid.uuid4())


def new_secret(size: int = 32) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode("ascii")


def sign_token(claims: dict) -> str:
    """header.payload.signature, base64url; signature = RSA-PKCS1v15-SHA512 over SHA-512(header.payload)."""
    header = {"alg": "SHA512withRSA", "typ": "JWT", "jwtId": claims.get("jti", "")}
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        for part in (header, claims)
    )
    digest = hashlib.sha512(signing_input.encode("ascii")).digest()
    signature = signing_material().leaf_key.sign(digest, padding.PKCS1v15(), hashes.SHA512())
    return f"{signing_input}.{_b64url(signature)}"


def read_token(token: object) -> dict:
    """The claims of a token this simulator signed; TokenError otherwise. Expiry is the caller's check."""
    if not isinstance(token, str) or len(token) > 16_384:
        raise TokenError("invalid token format")
    if "%" in token:
        token = unquote(token)
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenError("invalid token format")
    try:
        signature = _b64d(parts[2])
        claims = json.loads(_b64d(parts[1]).decode("utf-8"))
        digest = hashlib.sha512(f"{parts[0]}.{parts[1]}".encode("ascii")).digest()
        signing_material().leaf_cert.public_key().verify(
            signature, digest, padding.PKCS1v15(), hashes.SHA512()
        )
    except (ValueError, UnicodeError, binascii.Error, InvalidSignature) as exc:
        raise TokenError("invalid token signature") from exc
    if not isinstance(claims, dict) or claims.get("iss") != ISSUER:
        raise TokenError("invalid token issuer")
    return claims


def base_claims(token_type: str, lifetime_seconds: int, jti: str | None = None, **extra) -> dict:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "type": token_type,
        **extra,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime_seconds,
        "jti": jti or new_jti(),
    }
