"""The v3 envelope against vectors computed with the openssl command line (not with this code), and the
client against the simulator's independent server-side implementation."""

from __future__ import annotations

import base64
import json

import pytest

from accounts.camdigikey import envelope as envelope_module
from accounts.camdigikey.envelope import Envelope
from accounts.camdigikey.errors import DecryptPayloadError
from sandbox.camdigikey import crypto as server

# openssl enc -aes-256-cbc -K 000102…1f -iv 101112…1f  and  openssl dgst -sha512 -mac HMAC -macopt hexkey:…
AES_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
AES_IV = "EBESExQVFhcYGRobHB0eHw=="
HMAC_KEY = "dGVzdC12ZWN0b3ItaG1hYy1rZXktMDEyMzQ1Njc4OQ=="
CLIENT_ID = "vector-client"
PAYLOAD = {"clientId": CLIENT_ID, "accessToken": "a.b.c", "personalCode": "010234567", "note": "សួស្តី"}
PARAMS = (
    "xSZHBwRpNHi+Zt/Cif7yEcAJxMaR09svmJ4sUNyf3HkS1XR8kdwYClRU2KblGvxH4LlMSy7/ySIaJ0JS5IsrrcAFtdWnnH9Rvo/P"
    "dw7RTzU0ZLYH0LgWwk2JV5p3nNd6G4lr2Zk0LMY8DDxy6yB4AA=="
)
REQUEST_SIGNATURE = "rihheLXCE37wQtH2BTPjVOXB12n9Dhq9560mWpMuddDxxaLIlXYmjN7wMMKTYeU36pFSEsBYW4N8bQPjJ5cpRA=="
# HMAC-SHA512 over the raw ciphertext bytes (the response form)
RESPONSE_SIGNATURE = (
    "dxwIVK/KKeKQmvYvrJwbYTtOZr08lcQGIdNsPEmAL54RYa1YFj4U9cegbG9cidmOdPn0g+KuITyjZ5ycquZM7A=="
)
OTHER_KEY = base64.b64encode(b"x" * 32).decode()


def vector_envelope(**changes) -> Envelope:
    keys = {"hmac_key": HMAC_KEY, "aes_secret_key": AES_KEY, "aes_iv": AES_IV, **changes}
    return Envelope(CLIENT_ID, keys["hmac_key"], keys["aes_secret_key"], keys["aes_iv"])


def test_a_request_matches_the_openssl_vector():
    assert vector_envelope().wrap(PAYLOAD) == {
        "clientId": CLIENT_ID,
        "params": PARAMS,
        "signature": REQUEST_SIGNATURE,
    }


def test_a_response_matching_the_openssl_vector_decrypts():
    assert vector_envelope().unwrap({"data": PARAMS, "signature": RESPONSE_SIGNATURE}) == PAYLOAD


def test_client_and_simulator_understand_each_other():
    body = vector_envelope().wrap(PAYLOAD)
    assert server.open_request(body, HMAC_KEY, AES_KEY, AES_IV) == PAYLOAD
    answer = {"error": 0, "message": "Successfully", "data": {"loginToken": "t", "note": "ខ្មែរ"}}
    assert vector_envelope().unwrap(server.seal_response(answer, HMAC_KEY, AES_KEY, AES_IV)) == answer


def _flip(b64: str, index: int) -> str:
    raw = bytearray(base64.b64decode(b64))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda b: {**b, "params": _flip(b["params"], 5)}, id="tampered-params"),
        pytest.param(lambda b: {**b, "clientId": "someone-else"}, id="other-client-id"),
        pytest.param(lambda b: {**b, "signature": _flip(b["signature"], 0)}, id="tampered-signature"),
        pytest.param(lambda b: {**b, "signature": b["signature"][:40]}, id="truncated-signature"),
        pytest.param(lambda b: {k: v for k, v in b.items() if k != "signature"}, id="no-signature"),
        pytest.param(lambda b: {**b, "params": "not base64!"}, id="garbage-params"),
    ],
)
def test_the_simulator_refuses_a_tampered_request(tamper):
    body = tamper(vector_envelope().wrap(PAYLOAD))
    with pytest.raises(server.EnvelopeError):
        server.open_request(body, HMAC_KEY, AES_KEY, AES_IV)


def test_the_simulator_refuses_a_request_encrypted_with_another_aes_key():
    body = vector_envelope(aes_secret_key=OTHER_KEY).wrap(PAYLOAD)  # HMAC right, AES wrong
    with pytest.raises(server.EnvelopeError):
        server.open_request(body, HMAC_KEY, AES_KEY, AES_IV)


def _response(answer=None, **keys) -> dict:
    keys = {"hmac_key": HMAC_KEY, "aes_key": AES_KEY, "aes_iv": AES_IV, **keys}
    return server.seal_response(
        answer or {"error": 0, "data": {}}, keys["hmac_key"], keys["aes_key"], keys["aes_iv"]
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            lambda: {**_response(), "data": _flip(_response()["data"], 3)}, id="tampered-ciphertext"
        ),
        pytest.param(lambda: _response(hmac_key=OTHER_KEY), id="wrong-hmac-key"),
        pytest.param(lambda: _response(aes_key=OTHER_KEY), id="wrong-aes-key"),
        pytest.param(lambda: {**_response(), "signature": _response()["signature"][:20]}, id="truncated-mac"),
        pytest.param(lambda: {"data": _response()["data"]}, id="no-signature"),
        pytest.param(lambda: {"error": 0, "data": {}}, id="plain-json"),
        pytest.param(lambda: ["not", "an", "object"], id="not-an-object"),
        pytest.param(lambda: {"data": "@@@", "signature": "@@@"}, id="not-base64"),
        pytest.param(lambda: _response(answer=["a list"]), id="decrypts-to-a-list"),
    ],
)
def test_the_client_refuses_a_forged_or_broken_response(body):
    with pytest.raises(DecryptPayloadError) as caught:
        vector_envelope().unwrap(body())
    assert caught.value.code == 105
    for secret in (HMAC_KEY, AES_KEY, AES_IV):
        assert secret not in str(caught.value)


def test_the_hmac_is_checked_before_anything_is_decrypted(monkeypatch):
    def must_not_decrypt(*args):
        raise AssertionError("decrypted an unauthenticated ciphertext")

    monkeypatch.setattr(envelope_module, "aes_decrypt", must_not_decrypt)
    forged = _response(hmac_key=OTHER_KEY)
    with pytest.raises(DecryptPayloadError):
        vector_envelope().unwrap(forged)


def test_payloads_are_compact_utf8_json():
    body = vector_envelope().wrap({"name": "សុខ"})
    plaintext = envelope_module.aes_decrypt(
        base64.b64decode(AES_KEY), base64.b64decode(AES_IV), base64.b64decode(body["params"])
    )
    assert plaintext == json.dumps({"name": "សុខ"}, separators=(",", ":"), ensure_ascii=False).encode()


def test_the_envelope_repr_shows_no_key():
    assert HMAC_KEY not in repr(vector_envelope()) and AES_KEY not in repr(vector_envelope())
