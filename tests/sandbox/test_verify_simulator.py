"""The verify.gov.kh simulator's issuer API and public pages through Django's test client: every refusal
(credentials, another issuer's records, malformed input, a second document, bad statuses, hostile and
oversized files), the document kept encrypted, the append-only history, and the throttles."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.exceptions import InvalidTag
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, transaction

from sandbox.verify import services as simulator
from sandbox.verify.models import SimVerifyRecord, SimVerifyStatusChange

API = "/sandbox/verify/api/v1/records"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {simulator.SANDBOX_API_KEY}"}
OTHER = {"HTTP_AUTHORIZATION": f"Bearer {simulator.OTHER_ISSUER_API_KEY}"}
PDF = b"%PDF-1.7\n% licence\n" + b"y" * 500 + b"\n%%EOF\n"
BODY = {
    "document_number": "MOC-2026-000001",
    "document_type": {"km": "អាជ្ញាប័ណ្ណ", "en": "Licence"},
    "issuer": {"km": "ក្រសួងពាណិជ្ជកម្ម", "en": "Ministry of Commerce"},
    "holder": {"km": "ហាង សុខា", "en": "Sokha Shop"},
    "valid_from": "2026-12-04",
    "valid_until": "2027-12-03",
}

pytestmark = pytest.mark.django_db


def register(client, body=BODY, key="licence-1", **headers):
    headers = {**AUTH, **headers} if "HTTP_AUTHORIZATION" not in headers else headers
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        API,
        json.dumps(body) if not isinstance(body, bytes) else body,
        content_type="application/json",
        **headers,
    )


def publish(client, record_id, content=PDF, digest=None, content_type="application/pdf", **headers):
    return client.put(
        f"{API}/{record_id}/document",
        content,
        content_type=content_type,
        HTTP_X_CONTENT_SHA256=hashlib.sha256(content).hexdigest() if digest is None else digest,
        **{**AUTH, **headers},
    )


def set_status(client, record_id, body, **headers):
    return client.put(
        f"{API}/{record_id}/status", json.dumps(body), content_type="application/json", **{**AUTH, **headers}
    )


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def record(client) -> dict:
    created = register(client)
    assert created.status_code == 201
    return created.json()


def test_registration_answers_the_id_key_and_url_and_a_replay_the_same(client, settings):
    created = register(client)
    assert created.status_code == 201
    body = created.json()
    assert len(body["record_id"]) == 32 and len(body["key"]) == 64 and body["status"] == "VALID"
    base = settings.ESB_VERIFICATION["PUBLIC_BASE_URL"]
    assert body["verify_url"] == f"{base}/verify/{body['record_id']}?key={body['key']}"
    replay = register(client)
    assert replay.status_code == 200
    assert (replay.json()["record_id"], replay.json()["key"]) == (body["record_id"], body["key"])
    # The key is never stored, only its digest.
    stored = SimVerifyRecord.objects.get()
    assert body["key"] not in json.dumps(
        list(
            SimVerifyRecord.objects.values_list("record_id", "key_hash", "request_digest", "idempotency_key")
        )
    )
    assert stored.key_hash == hashlib.sha256(body["key"].encode()).hexdigest()
    # Another issuer with the same idempotency key gets its own record and key.
    other = register(client, **OTHER)
    assert other.status_code == 201 and other.json()["record_id"] != body["record_id"]
    assert other.json()["key"] != body["key"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_AUTHORIZATION": simulator.SANDBOX_API_KEY},
        {"HTTP_AUTHORIZATION": f"Basic {simulator.SANDBOX_API_KEY}"},
        {"HTTP_AUTHORIZATION": "Bearer "},
    ],
)
def test_every_issuer_call_needs_a_valid_api_key(client, record, headers):
    rid = record["record_id"]
    for response in (
        register(client, key="licence-2", HTTP_AUTHORIZATION=headers.get("HTTP_AUTHORIZATION", "")),
        client.get(f"{API}/{rid}", **headers),
        client.put(
            f"{API}/{rid}/document",
            PDF,
            content_type="application/pdf",
            HTTP_X_CONTENT_SHA256=hashlib.sha256(PDF).hexdigest(),
            **headers,
        ),
        client.put(
            f"{API}/{rid}/status",
            json.dumps({"status": "REVOKED"}),
            content_type="application/json",
            **headers,
        ),
    ):
        assert response.status_code == 401 and error_code(response) == "unauthorized"
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert SimVerifyRecord.objects.get().status == "VALID" and not SimVerifyRecord.objects.get().sha256


def test_another_issuers_records_and_unknown_ids_are_404(client, record):
    rid = record["record_id"]
    for response in (
        client.get(f"{API}/{rid}", **OTHER),
        publish(client, rid, **OTHER),
        set_status(client, rid, {"status": "REVOKED"}, **OTHER),
        client.get(f"{API}/{'Z' * 32}", **AUTH),
        client.get(f"{API}/{rid[:-1]}", **AUTH),
        client.get(f"{API}/{'Z' * 128}", **AUTH),
    ):
        assert response.status_code == 404 and error_code(response) == "not_found"
    assert client.get(f"{API}/{'Z' * 129}", **AUTH).status_code == 404
    assert SimVerifyRecord.objects.get().status == "VALID"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (b"not json", "k"),
        (b"[1, 2]", "k"),
        (b"[" * 5000, "k"),
        ({**BODY, "document_number": ""}, "k"),
        ({**BODY, "document_number": "x" * 101}, "k"),
        ({**BODY, "holder": "Sokha Shop"}, "k"),
        ({**BODY, "holder": {"km": "ហាង"}}, "k"),
        ({**BODY, "issuer": {"km": "ក", "en": 5}}, "k"),
        ({**BODY, "valid_from": "04/12/2026"}, "k"),
        ({**BODY, "valid_from": None}, "k"),
        ({**BODY, "valid_until": "2026-01-01"}, "k"),
        ({**BODY, "extra": ["a"]}, "k"),
        ({**BODY, "extra": {"a": "b" * 5000}}, "k"),
        (BODY, None),
        (BODY, ""),
        (BODY, "k" * 201),
    ],
)
def test_malformed_registrations_are_400_and_store_nothing(client, body, key):
    body = json.dumps(body).encode() if isinstance(body, dict) else body
    response = register(client, body=body, key=key)
    assert response.status_code == 400 and error_code(response) == "invalid_request"
    assert not SimVerifyRecord.objects.exists()


def test_the_same_idempotency_key_with_other_metadata_is_a_conflict(client, record):
    response = register(client, body={**BODY, "holder": {"km": "ផ្សេង", "en": "Someone else"}})
    assert response.status_code == 409 and error_code(response) == "idempotency_conflict"
    assert SimVerifyRecord.objects.get().holder_en == "Sokha Shop"


def test_a_document_is_published_once_and_kept_encrypted(client, record):
    rid = record["record_id"]
    first = publish(client, rid)
    assert first.status_code == 200 and first.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert publish(client, rid).status_code == 200  # the same bytes: nothing changes
    other = publish(client, rid, PDF + b"%changed")
    assert other.status_code == 409 and error_code(other) == "already_published"
    stored = SimVerifyRecord.objects.get()
    ciphertext = bytes(stored.document_ciphertext)
    assert PDF not in ciphertext and b"%PDF" not in ciphertext and len(ciphertext) == len(PDF) + 16
    assert simulator.document(stored, record["key"]) == PDF
    with pytest.raises(InvalidTag):  # the AEAD tag refuses any other key
        simulator.document(stored, "0" * 64)


@pytest.mark.parametrize(
    ("content", "digest", "content_type", "status", "code"),
    [
        (PDF, "0" * 64, "application/pdf", 400, "digest_mismatch"),
        (PDF, "", "application/pdf", 400, "invalid_request"),
        (PDF, hashlib.sha256(PDF).hexdigest().upper(), "application/pdf", 400, "invalid_request"),
        (b"<html>not a pdf</html>", None, "application/pdf", 400, "not_pdf"),
        (b"%PDF", None, "application/pdf", 400, "not_pdf"),
        (PDF, None, "text/html", 415, "unsupported_media_type"),
    ],
)
def test_bad_documents_are_refused(client, record, content, digest, content_type, status, code):
    response = publish(client, record["record_id"], content, digest, content_type)
    assert response.status_code == status and error_code(response) == code
    assert not SimVerifyRecord.objects.get().sha256


def test_an_oversized_document_is_413(client, record, monkeypatch):
    monkeypatch.setattr(simulator, "MAX_DOCUMENT_BYTES", 100)
    big = b"%PDF-1.7\n" + b"z" * 200
    response = publish(client, record["record_id"], big)
    assert response.status_code == 413 and error_code(response) == "too_large"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "DELETED"},
        {"status": "valid"},
        {"status": ""},
        {},
        {"status": ["VALID"]},
        {"status": "REVOKED", "reason": "r" * 501},
        {"status": "REVOKED", "reason": 5},
    ],
)
def test_bad_status_changes_are_400(client, record, body):
    response = set_status(client, record["record_id"], body)
    assert response.status_code == 400 and error_code(response) in {"invalid_status", "invalid_request"}
    assert SimVerifyRecord.objects.get().status == "VALID"


def test_status_changes_are_kept_in_an_append_only_history(client, record):
    rid = record["record_id"]
    assert (
        set_status(client, rid, {"status": "SUSPENDED", "reason": "Inspection."}).json()["status"]
        == "SUSPENDED"
    )
    assert set_status(client, rid, {"status": "SUSPENDED", "reason": "Inspection."}).status_code == 200
    answer = set_status(client, rid, {"status": "VALID", "reason": ""}).json()
    assert [h["status"] for h in answer["history"]] == ["VALID", "SUSPENDED", "VALID"]
    change = SimVerifyStatusChange.objects.first()
    for attempt in (
        lambda: SimVerifyStatusChange.objects.filter(pk=change.pk).update(status="REVOKED"),
        lambda: SimVerifyStatusChange.objects.filter(pk=change.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()


def test_wrong_methods_are_refused(client, record):
    rid = record["record_id"]
    assert client.get(API, **AUTH).status_code == 405
    assert (
        client.post(f"{API}/{rid}/document", PDF, content_type="application/pdf", **AUTH).status_code == 405
    )
    assert (
        client.post(f"{API}/{rid}/status", "{}", content_type="application/json", **AUTH).status_code == 405
    )
    page = f"/sandbox/verify/verify/{rid}?key={record['key']}"
    assert client.post(page).status_code == 405
    assert client.get(f"/sandbox/verify/verify/{rid}/check?key={record['key']}").status_code == 405


def test_the_check_refuses_a_missing_or_oversized_file(client, record, monkeypatch):
    rid, key = record["record_id"], record["key"]
    publish(client, rid)
    check = f"/sandbox/verify/verify/{rid}/check?key={key}"
    missing = client.post(check, {})
    assert missing.status_code == 400 and b'data-check="missing"' in missing.content
    monkeypatch.setattr(simulator, "MAX_CHECK_BYTES", 100)
    big = client.post(check, {"document": SimpleUploadedFile("big.pdf", PDF)})
    assert big.status_code == 413 and b'data-check="too_large"' in big.content
    assert b'data-check="matches"' not in big.content


def test_the_check_before_publication_never_matches(client, record):
    check = f"/sandbox/verify/verify/{record['record_id']}/check?key={record['key']}"
    empty = client.post(check, {"document": SimpleUploadedFile("empty.pdf", b"")})
    assert empty.status_code == 200 and b'data-check="differs"' in empty.content


def test_the_public_pages_are_throttled(client, record, settings):
    settings.ESB_THROTTLE_RATES = {"verify-page": "3/m", "verify-check": "2/m"}
    page = f"/sandbox/verify/verify/{record['record_id']}?key={record['key']}"
    assert [client.get(page).status_code for _ in range(4)] == [200, 200, 200, 429]
    wrong = f"/sandbox/verify/verify/{record['record_id']}?key={'0' * 64}"
    assert client.get(wrong).status_code == 429  # guessing keys uses up the same allowance
    check = f"/sandbox/verify/verify/{record['record_id']}/check?key={record['key']}"
    codes = [client.post(check, {"document": SimpleUploadedFile("a.pdf", PDF)}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_record_page_follows_the_language(client, record):
    page = f"/sandbox/verify/verify/{record['record_id']}?key={record['key']}"
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en")
    assert b"Sokha Shop" in english.content and b'lang="en"' in english.content
    client.cookies.load({"django_language": "km"})
    khmer = client.get(page, HTTP_ACCEPT_LANGUAGE="km")
    assert "ហាង សុខា".encode() in khmer.content and b'lang="km"' in khmer.content
