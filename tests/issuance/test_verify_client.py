"""The verify.gov.kh client against answers the simulator never gives (a fake transport): a partner that
sends holders elsewhere, malformed ids, keys and digests, another record's state, 5xx and 429, no JSON,
connection failures. What it sends is checked too (bearer key, Idempotency-Key, the document's digest)."""

from __future__ import annotations

import hashlib
import json

import pytest
import requests

from esb import http
from issuance.contrib.verify_gov_kh.client import (
    VerificationRefused,
    VerificationUnavailable,
    VerifyClient,
)
from issuance.verification import VerificationError
from tests.camdigikey.conftest import FakeAdapter
from tests.issuance.test_verify_provider import PDF, licence_request

RID = "5-UVL3fLgGfRnINMa_ynKqBFwklDa6mt"
KEY = "d06e7da7960ddef905edde88f7340fbb88f7643730077ef47aa4314b90a99e9a"
API_KEY = "issuer-api-key-for-the-fake-transport-0123456789"


@pytest.fixture
def verify_settings(settings):
    settings.ESB_VERIFICATION = {
        "PROVIDER": "verify_gov_kh",
        "BASE_URL": "https://issuer-api.verify.example",
        "PUBLIC_BASE_URL": "https://verify.gov.kh",
        "API_KEY": API_KEY,
        "TIMEOUT": 2.0,
    }


def client_with(handler) -> tuple[VerifyClient, FakeAdapter]:
    client = VerifyClient()
    client.http = http.HttpClient(client.http.config)  # a session of its own, not the shared one
    adapter = FakeAdapter(handler)
    client.http.session.mount("https://", adapter)
    return client, adapter


def answer(body: dict, status: int = 200):
    return lambda request: (status, json.dumps(body))


def test_registration_sends_the_key_and_metadata_and_builds_the_qr_url(verify_settings, db):
    client, adapter = client_with(
        answer(
            {"record_id": RID, "key": KEY, "verify_url": f"https://verify.gov.kh/verify/{RID}?key={KEY}"}, 201
        )
    )
    record = client.register(licence_request(key="licence-42"))
    assert record.verify_url == f"https://verify.gov.kh/verify/{RID}?key={KEY}"
    sent = adapter.requests[0]
    assert sent.method == "POST" and sent.url == "https://issuer-api.verify.example/api/v1/records"
    assert sent.headers["Authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["Idempotency-Key"] == "licence-42"
    body = json.loads(sent.body)
    assert body["holder"] == {"km": "ក្រុមហ៊ុន សុខ សាន្ត ឯ.ក", "en": "Sok Santh Co., Ltd."}
    assert body["valid_from"] == "2026-12-04" and body["valid_until"] == "2027-12-03"


def test_a_verify_url_pointing_elsewhere_is_replaced_by_our_own(verify_settings, db):
    client, _ = client_with(
        answer(
            {"record_id": RID, "key": KEY, "verify_url": f"https://evil.example/verify/{RID}?key={KEY}"}, 201
        )
    )
    assert client.register(licence_request()).verify_url == f"https://verify.gov.kh/verify/{RID}?key={KEY}"


@pytest.mark.parametrize(
    "body",
    [
        {"record_id": "../../etc", "key": KEY},
        {"record_id": RID, "key": "abc"},
        {"record_id": RID},
        {"record_id": "x" * 129, "key": KEY},
        {"key": KEY},
    ],
)
def test_a_malformed_registration_answer_is_refused(verify_settings, db, body):
    client, _ = client_with(answer(body, 201))
    with pytest.raises(VerificationUnavailable):
        client.register(licence_request())


def test_publish_sends_the_digest_and_checks_what_was_kept(verify_settings, db):
    digest = hashlib.sha256(PDF).hexdigest()
    client, adapter = client_with(answer({"record_id": RID, "status": "VALID", "sha256": digest}))
    assert client.publish(RID, PDF).sha256 == digest
    sent = adapter.requests[0]
    assert sent.method == "PUT" and sent.headers["X-Content-SHA256"] == digest and sent.body == PDF
    kept_other, _ = client_with(answer({"record_id": RID, "status": "VALID", "sha256": "0" * 64}))
    with pytest.raises(VerificationUnavailable):
        kept_other.publish(RID, PDF)


@pytest.mark.parametrize(
    "body",
    [
        {"record_id": "another-record-id-0000000000000", "status": "VALID"},
        {"record_id": RID, "status": "DELETED"},
        {"record_id": RID, "status": "VALID", "sha256": "not-hex"},
        {"record_id": RID},
    ],
)
def test_a_state_that_is_not_this_records_is_refused(verify_settings, db, body):
    client, _ = client_with(answer(body))
    with pytest.raises(VerificationUnavailable):
        client.status(RID)


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        ((500, "{}"), VerificationUnavailable),
        ((503, "<html>busy</html>"), VerificationUnavailable),
        ((429, "{}"), VerificationUnavailable),
        ((200, "<html>not json</html>"), VerificationUnavailable),
        ((200, "[1, 2]"), VerificationUnavailable),
        ((401, '{"error": {"code": "unauthorized", "message": "x"}}'), VerificationRefused),
        ((404, "not json"), VerificationRefused),
        ((400, '{"error": {"code": "<script>' + API_KEY + '", "message": "x"}}'), VerificationRefused),
        (requests.ConnectionError("refused"), VerificationUnavailable),
        (requests.ReadTimeout("slow"), VerificationUnavailable),
    ],
)
def test_failures_become_verification_errors_without_the_key(verify_settings, db, outcome, error):
    client, _ = client_with(lambda request: outcome)
    with pytest.raises(error) as raised:
        client.status(RID)
    assert isinstance(raised.value, VerificationError) and API_KEY not in str(raised.value)
    assert "<script>" not in str(raised.value)


def test_calls_that_cannot_be_right_are_not_sent(verify_settings, settings, db):
    client, adapter = client_with(answer({}))
    for call in (
        lambda: client.status("../other"),
        lambda: client.set_status(RID, "DELETED", ""),
        lambda: client.register(licence_request(key="")),
        lambda: client.register(licence_request(key="k" * 201)),
    ):
        with pytest.raises(VerificationError):
            call()
    assert adapter.requests == []
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "API_KEY": ""}
    with pytest.raises(VerificationError):
        VerifyClient().status(RID)
