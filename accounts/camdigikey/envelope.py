"""The CamDigiKey v3 envelope (dpi-protocols.md §2.4), client side.

Request body:  {"clientId": CLIENT_ID,
                "params":    b64(AES-256-CBC/PKCS7(key=AES_SECRET_KEY, iv=AES_IV, utf8(JSON(payload)))),
                "signature": b64(HMAC-SHA512(HMAC_KEY, utf8(CLIENT_ID + "." + params)))}
Response body: {"data": b64(ciphertext), "signature": b64(HMAC-SHA512(HMAC_KEY, ciphertext bytes))}

A response is authenticated (constant-time HMAC comparison over the raw ciphertext) BEFORE anything is
decrypted, so a forged or corrupted answer never reaches the AES padding check (no padding oracle).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from accounts.camdigikey.errors import DecryptPayloadError

BLOCK_BITS = 128


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode_lenient(value: str) -> bytes:
    """Standard or URL-safe base64, padded or not; raises ValueError on anything else."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a base64 string")
    text = value.strip().replace("-", "+").replace("_", "/")
    text += "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("not base64") from exc


def aes_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    padder = padding.PKCS7(BLOCK_BITS).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    if not ciphertext or len(ciphertext) % (BLOCK_BITS // 8):
        raise ValueError("ciphertext is not a whole number of blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def hmac_sha512(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha512).digest()


def canonical_json(payload: Any) -> bytes:
    # compact and UTF-8, as the reference library's JSON.stringify produces
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Envelope:
    """Wraps request payloads and unwraps responses with one client's credentials (base64 strings)."""

    def __init__(self, client_id: str, hmac_key: str, aes_secret_key: str, aes_iv: str) -> None:
        self.client_id = client_id
        self._hmac_key = base64.b64decode(hmac_key)
        self._aes_key = base64.b64decode(aes_secret_key)
        self._aes_iv = base64.b64decode(aes_iv)

    def __repr__(self) -> str:
        return f"Envelope(client_id={self.client_id!r})"

    def request_signature(self, params: str) -> str:
        return b64encode(hmac_sha512(self._hmac_key, f"{self.client_id}.{params}".encode()))

    def wrap(self, payload: dict) -> dict[str, str]:
        params = b64encode(aes_encrypt(self._aes_key, self._aes_iv, canonical_json(payload)))
        return {"clientId": self.client_id, "params": params, "signature": self.request_signature(params)}

    def unwrap(self, body: Any) -> dict:
        """The decrypted ApiResponse `{"error", "message", "data"}`; DecryptPayloadError if the envelope is
        malformed, its HMAC does not match, or it does not decrypt to a JSON object."""
        if not isinstance(body, dict) or not isinstance(body.get("data"), str):
            raise DecryptPayloadError("the response is not an encrypted envelope")
        try:
            ciphertext = b64decode_lenient(body["data"])
            signature = b64decode_lenient(body.get("signature") or "")
        except ValueError:
            raise DecryptPayloadError("the response envelope is not base64") from None
        expected = hmac_sha512(self._hmac_key, ciphertext)
        if not hmac.compare_digest(signature, expected):
            raise DecryptPayloadError("the response HMAC does not match")
        try:
            decoded = json.loads(aes_decrypt(self._aes_key, self._aes_iv, ciphertext).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise DecryptPayloadError("the response does not decrypt to JSON") from None
        if not isinstance(decoded, dict):
            raise DecryptPayloadError("the decrypted response is not a JSON object")
        return decoded
