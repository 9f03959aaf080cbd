"""The verify.gov.kh provider against the sandbox simulator over real HTTP (pytest-django's live_server):
register (idempotent), publish, the public page a QR opens, status changes, the file check, and the
provider's refusals (bad key, another issuer's record, a second document, bad status)."""

from __future__ import annotations

import datetime
import hashlib
import re

import pytest
import requests
from django.utils import translation

from esb.models import OutgoingRequest
from issuance.contrib.verify_gov_kh.client import VerificationRefused, VerificationUnavailable
from issuance.verification import RecordRequest, RecordStatus, VerificationError, active_provider
from sandbox.verify import services as simulator
from sandbox.verify.models import SimVerifyRecord
from sandbox.verify.testing import use_live_verify

PDF = b"%PDF-1.7\n% licence MOC-2026-000123\n" + b"x" * 2000 + b"\n%%EOF\n"


def licence_request(key: str = "5f7e9a10-0000-4000-8000-000000000001", **changes) -> RecordRequest:
    values = {
        "idempotency_key": key,
        "document_number": "MOC-2026-000123",
        "document_type_km": "អាជ្ញាប័ណ្ណអាជីវកម្ម",
        "document_type_en": "Business licence",
        "issuer_km": "ក្រសួងពាណិជ្ជកម្ម",
        "issuer_en": "Ministry of Commerce",
        "holder_km": "ក្រុមហ៊ុន សុខ សាន្ត ឯ.ក",
        "holder_en": "Sok Santh Co., Ltd.",
        "valid_from": datetime.date(2026, 12, 4),
        "valid_until": datetime.date(2027, 12, 3),
    }
    return RecordRequest(**{**values, **changes})


@pytest.fixture
def live_verify(live_server, transactional_db, settings):
    return use_live_verify(settings, live_server.url)


def page(url: str, language: str = "en") -> requests.Response:
    return requests.get(url, headers={"Accept-Language": language}, timeout=10)


def test_a_licence_is_registered_once_published_and_its_page_follows_its_status(live_verify):
    provider = active_provider()
    record = provider.register(licence_request())
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", record.record_id)
    assert re.fullmatch(r"[0-9a-f]{64}", record.key)
    assert record.verify_url == f"{live_verify}/verify/{record.record_id}?key={record.key}"

    # A worker that died after the answer registers again: the same record, id and key.
    again = provider.register(licence_request())
    assert again == record
    assert SimVerifyRecord.objects.count() == 1

    before = page(record.verify_url)
    assert before.status_code == 200 and "MOC-2026-000123" in before.text
    assert "has not published the document yet" in before.text

    state = provider.publish(record.record_id, PDF)
    assert state.sha256 == hashlib.sha256(PDF).hexdigest() and state.status == RecordStatus.VALID
    # Publishing the same bytes again changes nothing.
    assert provider.publish(record.record_id, PDF) == state

    shown = page(record.verify_url)
    assert shown.status_code == 200
    assert 'data-status="VALID"' in shown.text and "This document is valid." in shown.text
    for text in ("Ministry of Commerce", "Sok Santh Co., Ltd.", "Business licence", "MOC-2026-000123"):
        assert text in shown.text
    assert shown.headers["Referrer-Policy"] == "same-origin" and "no-store" in shown.headers["Cache-Control"]
    document_url = re.search(r'href="([^"]+/document\?key=[0-9a-f]{64})"', shown.text).group(1)
    original = requests.get(
        live_verify.rsplit("/sandbox/", 1)[0] + document_url.replace("&amp;", "&"), timeout=10
    )
    assert original.status_code == 200 and original.content == PDF
    assert original.headers["Content-Type"] == "application/pdf"
    assert original.headers["X-Frame-Options"] == "SAMEORIGIN"  # embedded in the record's page only
    assert "frame-ancestors 'self'" in original.headers["Content-Security-Policy"]
    assert original.headers["Referrer-Policy"] == "same-origin"

    in_khmer = page(record.verify_url, "km")
    assert "ក្រុមហ៊ុន សុខ សាន្ត ឯ.ក" in in_khmer.text and "ក្រសួងពាណិជ្ជកម្ម" in in_khmer.text

    revoked = provider.revoke(record.record_id, reason="Licence obtained with false documents.")
    assert revoked.status == RecordStatus.REVOKED and provider.status(record.record_id) == revoked
    after = page(record.verify_url)
    assert 'data-status="REVOKED"' in after.text and "has been revoked" in after.text
    assert "Licence obtained with false documents." in after.text


@pytest.mark.parametrize(
    ("status", "marker"),
    [
        (RecordStatus.SUSPENDED, "is suspended"),
        (RecordStatus.EXPIRED, "has expired"),
        (RecordStatus.SUPERSEDED, "replaced by a newer version"),
        (RecordStatus.VALID, "This document is valid."),
    ],
)
def test_each_status_is_shown_in_words_and_colour(live_verify, status, marker):
    provider = active_provider()
    record = provider.register(licence_request())
    provider.set_status(record.record_id, RecordStatus.SUSPENDED, reason="Inspection pending.")
    assert provider.set_status(record.record_id, status, reason="").status == status
    shown = page(record.verify_url)
    assert f'data-status="{status}"' in shown.text and marker in shown.text
    with translation.override("en"):
        assert str(simulator.SimRecordStatus(status).label) in shown.text


def test_setting_the_current_status_again_adds_no_history(live_verify):
    provider = active_provider()
    record = provider.register(licence_request())
    provider.set_status(record.record_id, RecordStatus.SUSPENDED, reason="Inspection pending.")
    provider.set_status(record.record_id, RecordStatus.SUSPENDED, reason="Inspection pending.")
    stored = SimVerifyRecord.objects.get(record_id=record.record_id)
    assert [change.status for change in stored.history.all()] == ["VALID", "SUSPENDED"]


def test_a_wrong_or_missing_key_shows_nothing_of_the_document(live_verify):
    provider = active_provider()
    record = provider.register(licence_request())
    provider.publish(record.record_id, PDF)
    base = record.verify_url.split("?")[0]
    unknown_url = f"{live_verify}/verify/{'A' * 32}?key={record.key}"
    unknown = page(unknown_url)
    assert unknown.status_code == 404

    def same_page(response: requests.Response) -> str:
        # The 404 page echoes the path asked for (language switch, login link) and holds a fresh CSRF token.
        text = re.sub(r"verify/[A-Za-z0-9_-]{32}[^\"'<\s]*", "verify/ASKED", response.text)
        return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", text)

    for url in (
        f"{base}?key={'0' * 64}",
        f"{base}?key={record.key[:-1]}",
        base,
        f"{base}?key=",
        f"{base}?key={record.key}&key={'0' * 64}",
        f"{base}/document?key={'0' * 64}",
        f"{base}/document",
    ):
        refused = page(url)
        assert refused.status_code == 404, url
        assert same_page(refused) == same_page(unknown), url
        for secret in ("MOC-2026-000123", "Sok Santh", "Ministry of Commerce", "%PDF"):
            assert secret not in refused.text


def test_an_uploaded_copy_is_checked_against_the_original(live_verify):
    provider = active_provider()
    record = provider.register(licence_request())
    provider.publish(record.record_id, PDF)
    session = requests.Session()
    shown = session.get(record.verify_url, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown.text).group(1)
    check_url = f"{record.verify_url.split('?')[0]}/check?key={record.key}"

    def check(content: bytes, name: str = "licence.pdf") -> requests.Response:
        return session.post(
            check_url,
            data={"csrfmiddlewaretoken": token},
            files={"document": (name, content, "application/pdf")},
            headers={"Referer": record.verify_url},
            timeout=10,
        )

    matches = check(PDF)
    assert matches.status_code == 200 and 'data-check="matches"' in matches.text
    differs = check(PDF + b" ")
    assert differs.status_code == 200 and 'data-check="differs"' in differs.text
    # A hostile file (an HTML page posing as a PDF) is only hashed: nothing of it is shown back.
    hostile = check(b"<script>alert(1)</script>", name="<img src=x onerror=alert(1)>.pdf")
    assert 'data-check="differs"' in hostile.text and "<script>alert(1)" not in hostile.text
    assert "onerror" not in hostile.text
    # Without the record's key the check answers nothing about the record.
    refused = session.post(
        check_url.replace(record.key, "0" * 64),
        data={"csrfmiddlewaretoken": token},
        files={"document": ("licence.pdf", PDF, "application/pdf")},
        headers={"Referer": record.verify_url},
        timeout=10,
    )
    assert refused.status_code == 404 and "matches" not in refused.text
    # Posted from elsewhere (no CSRF token): refused.
    forged = requests.post(check_url, files={"document": ("licence.pdf", PDF)}, timeout=10)
    assert forged.status_code == 403


def test_the_provider_refuses_and_reports_without_leaking_the_key(live_verify, settings):
    provider = active_provider()
    record = provider.register(licence_request())
    provider.publish(record.record_id, PDF)
    # A different document for a published record: 409, never replaced.
    with pytest.raises(VerificationRefused) as conflict:
        provider.publish(record.record_id, PDF.replace(b"000123", b"000124"))
    assert (conflict.value.status, conflict.value.code) == (409, "already_published")
    # The same idempotency key with other metadata: 409.
    with pytest.raises(VerificationRefused) as reused:
        provider.register(licence_request(holder_en="Someone Else Co., Ltd."))
    assert (reused.value.status, reused.value.code) == (409, "idempotency_conflict")
    # An unknown record: 404.
    with pytest.raises(VerificationRefused) as unknown:
        provider.status("B" * 32)
    assert unknown.value.status == 404
    # A status outside the list never leaves the portal.
    with pytest.raises(VerificationError):
        provider.set_status(record.record_id, "DELETED")
    # Another issuer's credentials see none of the portal's records.
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "API_KEY": simulator.OTHER_ISSUER_API_KEY}
    with pytest.raises(VerificationRefused) as other_issuer:
        provider.status(record.record_id)
    assert other_issuer.value.status == 404
    # A wrong key: 401, and the key appears in no error and no outgoing-request log row.
    wrong = "wrong-issuer-key-0123456789abcdefghijklmnop"
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "API_KEY": wrong}
    with pytest.raises(VerificationRefused) as unauthorized:
        provider.register(licence_request(key="another-licence"))
    assert unauthorized.value.status == 401 and wrong not in str(unauthorized.value)
    logged = list(OutgoingRequest.objects.filter(service="verify-gov-kh").values_list("url", flat=True))
    assert logged and not any(record.key in url or wrong in url for url in logged)


def test_an_unreachable_provider_is_a_verification_error(live_verify, settings):
    settings.ESB_VERIFICATION = {**settings.ESB_VERIFICATION, "BASE_URL": "http://127.0.0.1:9", "TIMEOUT": 1}
    with pytest.raises(VerificationUnavailable):
        active_provider().register(licence_request())
