"""CamDigiKey token signatures (dpi-protocols.md §2.7): not a standard JWS.

    token  = header "." payload "." signature      (URL-decoded first when it contains "%")
    digest = SHA-512(ascii(header + "." + payload))
    valid  = verify(signer public key, signature, data=digest, hash=SHA-512)

so the signer signs SHA-512 of the SHA-512 digest (a double hash); PyJWT and jose cannot verify it. The
signature is RSA PKCS#1 v1.5 in the sandbox; the real service has been seen issuing ECDSA tokens (header
`alg: SHA512withECDSA`), so an EC signer key is verified with ECDSA/SHA-512 over the same digest.

The payload is decoded when it is base64 JSON (the sandbox's and the documented claims); a payload that is
not (the real service may encrypt it) gives empty `claims` and the caller relies on the token-status API.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from accounts.camdigikey.envelope import b64decode_lenient
from accounts.camdigikey.errors import InvalidTokenSignature

MAX_TOKEN_LENGTH = 16_384


@dataclass(frozen=True)
class ParsedToken:
    raw: str  # the normalised token (URL-decoded), as sent back to CamDigiKey
    header_b64: str
    payload_b64: str
    signature: bytes = field(repr=False)
    header: dict = field(default_factory=dict)
    claims: dict = field(default_factory=dict)

    @property
    def signing_input(self) -> bytes:
        return f"{self.header_b64}.{self.payload_b64}".encode("ascii")


def normalize(token: str) -> str:
    if not isinstance(token, str):
        raise InvalidTokenSignature("invalid token format")
    token = token.strip()
    if "%" in token:
        token = unquote(token)
    return token


def _json_object(part: str) -> dict:
    try:
        value = json.loads(b64decode_lenient(part).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def parse(token: str) -> ParsedToken:
    """Split a token into its three parts; InvalidTokenSignature("invalid token format") otherwise."""
    token = normalize(token)
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidTokenSignature("invalid token format")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise InvalidTokenSignature("invalid token format")
    try:
        parts[0].encode("ascii")
        parts[1].encode("ascii")
        signature = b64decode_lenient(parts[2])
    except (UnicodeEncodeError, ValueError):
        raise InvalidTokenSignature("invalid token format") from None
    return ParsedToken(
        raw=token,
        header_b64=parts[0],
        payload_b64=parts[1],
        signature=signature,
        header=_json_object(parts[0]),
        claims=_json_object(parts[1]),
    )


def signing_digest(signing_input: bytes) -> bytes:
    return hashlib.sha512(signing_input).digest()


def verify(token: str | ParsedToken, public_key) -> ParsedToken:
    """The parsed token when its signature verifies under `public_key`; InvalidTokenSignature otherwise."""
    parsed = token if isinstance(token, ParsedToken) else parse(token)
    digest = signing_digest(parsed.signing_input)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(parsed.signature, digest, padding.PKCS1v15(), hashes.SHA512())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(_der_ecdsa(parsed.signature, public_key), digest, ec.ECDSA(hashes.SHA512()))
        else:
            raise InvalidTokenSignature("unsupported signer key type")
    except (InvalidSignature, ValueError):
        raise InvalidTokenSignature("the token signature does not verify") from None
    return parsed


def _der_ecdsa(signature: bytes, public_key: ec.EllipticCurvePublicKey) -> bytes:
    """ECDSA signatures come DER-encoded (Java, Node); accept the raw r||s form too."""
    size = (public_key.curve.key_size + 7) // 8
    if len(signature) == 2 * size and signature[0] != 0x30:
        return encode_dss_signature(
            int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
        )
    return signature
