"""CamDigiKey's double-hash token signature, against a token signed with the openssl command line."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from accounts.camdigikey import signature
from accounts.camdigikey.errors import InvalidTokenSignature
from sandbox.camdigikey import crypto as server
from sandbox.camdigikey.keys import signing_material

# header.payload signed as: openssl dgst -sha512 -binary si.txt > d; openssl dgst -sha512 -sign key.pem d
TOKEN = (
    "eyJhbGciOiJTSEE1MTJ3aXRoUlNBIiwidHlwIjoiSldUIiwiand0SWQiOiIwYjFjMmQzZS12ZWN0b3IifQ."
    "eyJpc3MiOiJDYW1EWC1DYW1EaWdpS2V5IiwidHlwZSI6IlVTRVIiLCJjYW1kaWdpa2V5X2lkIjoidmVjdG9yLWlkIiwicGVyc29u"
    "YWxfY29kZSI6IjAxMDIzNDU2NyIsImRvbWFpbiI6ImVzYi5sb2NhbGhvc3QiLCJpYXQiOjE3MDAwMDAwMDAsIm5iZiI6MTcwMDAw"
    "MDAwMCwiZXhwIjoxNzAwMDAxODAwLCJqdGkiOiIwYjFjMmQzZS12ZWN0b3IifQ."
    "cvrHVCTu8wcpooXBEY4PmKsHJtwBD5yHzCpfcQxTS9AsbHzQT-8l7KTld1Vy2xkdxJ16ssIGxRWoeCAvS2thshFVdoWLUH8R-y-Wf"
    "HZROriATb_RqvTxRT7CoirNyDXKNhxWMEIafZqhJ4V3ApI1J78FGGQMmThzboPy9t2JzCmroT5RjQE8E1iVHA9AcLlU4mO0BOKdHX"
    "KnXzlD6RFnMKuiMPm395X__Q1pvWzbSwSzJ54LPO6Qt83OondzfL0daF42EgHW4lrhZDpaxXrUEI4pT5VFp5DCblTEbQpOAMhc8gGy"
    "l-OzLE_mpxUGjNMFhQijyOFgo58bHWvpF9T3tg"
)
PUBLIC_KEY = serialization.load_pem_public_key(
    b"""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtBHMFxXMlrHr/62EZxP5
zSvEUzEBfpA4YezEoQWnSQPPEqLXTOC5oj7iQrrJjW28P4fozWshvGBhpfGru+QW
ACchDSLqkQefmM4nMk1Jek0uAnkYe4xVBzZgNLz11HFM9EPeTiQX3m/Krd9SpJLl
ICP2Sgqj+fSAXp3yoHfYHo0qRU0XqvDdXnSrDVfNRABpjvRl16xRGNP35F1huYkW
+REV9jg7hdJWt6BvrMvHIDjjPBbsKA1DGn8atzInB0Tudgu1VJgfwlHvumIvqoF8
9nnQjH0xsNZC9k7rwXfCewq41bJNBpVfxr/kUwf05D854yPHDf+Nh0fEyZx0U3xM
VwIDAQAB
-----END PUBLIC KEY-----
"""
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_openssl_signed_vector_verifies_and_its_claims_are_read():
    parsed = signature.verify(TOKEN, PUBLIC_KEY)
    assert parsed.claims["personal_code"] == "010234567"
    assert parsed.claims["type"] == "USER"
    assert parsed.header["alg"] == "SHA512withRSA"


def test_a_url_encoded_token_is_decoded_first():
    # callbacks carry the token URL-encoded (real tokens use standard base64: "+", "/", "=")
    assert signature.verify(TOKEN.replace(".", "%2E"), PUBLIC_KEY).raw == TOKEN
    header, payload, sig = TOKEN.split(".")
    standard = base64.b64encode(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))).decode()
    assert "=" in standard or "+" in standard or "/" in standard
    encoded = quote(f"{header}.{payload}.{standard}", safe="")
    assert "%" in encoded
    assert signature.verify(encoded, PUBLIC_KEY).claims["jti"] == "0b1c2d3e-vector"


def test_it_is_not_a_standard_rs512_jws():
    # why PyJWT cannot verify CamDigiKey tokens: the key signs SHA-512(SHA-512(header.payload)), not
    # SHA-512(header.payload) as RS512 does
    parsed = signature.parse(TOKEN)
    with pytest.raises(InvalidSignature):
        PUBLIC_KEY.verify(parsed.signature, parsed.signing_input, padding.PKCS1v15(), hashes.SHA512())
    digest = hashlib.sha512(parsed.signing_input).digest()
    PUBLIC_KEY.verify(parsed.signature, digest, padding.PKCS1v15(), hashes.SHA512())


def _with_payload(token: str, **changes) -> str:
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{header}.{_b64url(json.dumps({**claims, **changes}).encode())}.{sig}"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_with_payload(TOKEN, personal_code="999999999"), id="tampered-payload"),
        pytest.param(_with_payload(TOKEN, domain="evil.example.com"), id="other-domain-claimed"),
        pytest.param(TOKEN[:-40], id="truncated-signature"),
        pytest.param(TOKEN.rsplit(".", 1)[0] + ".", id="empty-signature"),
        pytest.param(TOKEN.rsplit(".", 1)[0], id="two-parts"),
        pytest.param(TOKEN + ".extra", id="four-parts"),
        pytest.param("", id="empty"),
        pytest.param("a.b.!!!", id="signature-not-base64"),
        pytest.param("ក.b.c", id="not-ascii"),
    ],
)
def test_a_broken_token_is_refused(token):
    with pytest.raises(InvalidTokenSignature) as caught:
        signature.verify(token, PUBLIC_KEY)
    assert caught.value.code == 101


def test_a_token_signed_by_another_key_is_refused():
    forged = server.sign_token(server.base_claims("USER", 60, domain="esb.localhost"))  # the sandbox's key
    with pytest.raises(InvalidTokenSignature):
        signature.verify(forged, PUBLIC_KEY)


def test_the_simulator_signs_what_the_client_verifies():
    token = server.sign_token(server.base_claims("ORGANIZATION", 60, domain="api.moc.gov.kh"))
    parsed = signature.verify(token, signing_material().leaf_cert.public_key())
    assert parsed.claims["iss"] == "CamDX-CamDigiKey"
    assert parsed.claims["domain"] == "api.moc.gov.kh"


@pytest.mark.parametrize("raw_form", [False, True], ids=["der", "raw-r-s"])
def test_an_ecdsa_signer_is_verified_too(raw_form):
    # the real service's tokens say "alg": "SHA512withECDSA"
    key = ec.generate_private_key(ec.SECP521R1())
    signing_input = f"{_b64url(b'{}')}.{_b64url(b'{}')}"
    der = key.sign(hashlib.sha512(signing_input.encode()).digest(), ec.ECDSA(hashes.SHA512()))
    sig = der
    if raw_form:
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(66, "big") + s.to_bytes(66, "big")
    token = f"{signing_input}.{base64.b64encode(sig).decode()}"  # standard base64, as the real tokens
    assert signature.verify(token, key.public_key()).claims == {}
    with pytest.raises(InvalidTokenSignature):
        signature.verify(token, ec.generate_private_key(ec.SECP521R1()).public_key())


def test_an_opaque_payload_leaves_the_claims_empty():
    parsed = signature.parse("eyJhbGciOiJ4In0.W3yYDxK3kRAEqEAo+T9Hus/w==.c2ln")
    assert parsed.claims == {} and parsed.header == {"alg": "x"}
