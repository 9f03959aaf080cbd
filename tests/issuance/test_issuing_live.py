"""The chain against the verify.gov.kh simulator over real HTTP (pytest-django's live_server): the licence's
QR code (decoded from the stored PDF with zxing-cpp) opens the simulator's page, which shows the licence
valid, with its number and holder, and serves the very PDF the portal stored; revoked, the page says so; an
amendment's old version shows as superseded."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pypdf
import pytest
import requests
import zxingcpp
from django.contrib.auth import get_user_model

from issuance.models import Licence, LicenceChange, LicenceStatus
from issuance.services import chain
from issuance.verification import active_provider
from sandbox.verify.testing import use_live_verify
from tests.issuance import factories
from tests.licensing.factories import LicenceTypeFactory


@pytest.fixture
def live_verify(live_server, transactional_db, settings):
    return use_live_verify(settings, live_server.url)


def _page(url: str, language: str = "en") -> requests.Response:
    return requests.get(url, headers={"Accept-Language": language}, timeout=10)


def _issue(licence_type, applicant) -> Licence:
    return chain.run(factories.approved_directly(licence_type, applicant).licences.get().pk)


def test_the_qr_code_opens_the_verification_page_showing_the_licence(live_verify):
    licence_type = LicenceTypeFactory(validity_months=12)
    applicant = get_user_model().objects.create_user(
        username=f"holder-{uuid.uuid4().hex[:8]}", full_name_km="សុខ ស្រីស្រស់", full_name_en="SOK Sreysros"
    )
    licence = _issue(licence_type, applicant)
    assert licence.status == LicenceStatus.VALID
    assert licence.verification_provider == "verify_gov_kh"
    assert licence.verification_url.startswith(f"{live_verify}/verify/{licence.verification_id}?key=")

    with licence.pdf.open("rb") as handle:
        document = handle.read()
    page = pypdf.PdfReader(io.BytesIO(document)).pages[0]
    decoded = [code.text for image in page.images for code in zxingcpp.read_barcodes(image.image)]
    assert decoded == [licence.verification_url]

    shown = _page(decoded[0])
    assert shown.status_code == 200
    assert 'data-status="VALID"' in shown.text and "This document is valid." in shown.text
    assert licence.number in shown.text and "Srey Sros Spices" in shown.text
    in_khmer = _page(decoded[0], "km")
    assert "ហាងលក់គ្រឿងទេស ស្រីស្រស់" in in_khmer.text
    # The original the page offers is the PDF the portal stored (same SHA-256).
    document_url = re.search(r'href="([^"]+/document\?key=[0-9a-f]{64})"', shown.text).group(1)
    original = requests.get(
        live_verify.rsplit("/sandbox/", 1)[0] + document_url.replace("&amp;", "&"), timeout=10
    )
    assert hashlib.sha256(original.content).hexdigest() == licence.sha256

    active_provider().revoke(licence.verification_id, reason="Obtained with false documents.")
    after = _page(decoded[0])
    assert 'data-status="REVOKED"' in after.text and "has been revoked" in after.text


def test_an_amendment_shows_the_old_version_superseded(live_verify):
    licence_type = LicenceTypeFactory(validity_months=12)
    applicant = get_user_model().objects.create_user(username=f"holder-{uuid.uuid4().hex[:8]}")
    old = _issue(licence_type, applicant)
    # The amendment application, started by the holder (lifecycle), then approved.
    from applications.models import Application

    first = old.application
    amendment = Application.objects.create(
        licence_type=licence_type,
        form_definition=first.form_definition,
        applicant=applicant,
        answers=first.answers,
        status="REVIEWING",
        reference=f"AMD-2026-{old.pk:06d}",
    )
    LicenceChange.objects.create(application=amendment, licence=old, kind="AMENDMENT")
    from django.db import transaction

    from issuance.services.issuing import begin_issuance

    with transaction.atomic():
        Application.objects.filter(pk=amendment.pk).update(status="APPROVED")
        amendment.refresh_from_db()
        begin_issuance(amendment)
    new = chain.run(amendment.licences.get().pk)
    old.refresh_from_db()
    assert (new.number, new.version, old.status) == (old.number, 2, LicenceStatus.SUPERSEDED)
    assert 'data-status="SUPERSEDED"' in _page(old.verification_url).text
    assert 'data-status="VALID"' in _page(new.verification_url).text
