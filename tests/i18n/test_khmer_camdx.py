"""Khmer on the pages of issue 13: the API door's back-office (consumers, call log), the CamDX simulator's
registry page and the prefill notices of the business registry through CamDX."""

from __future__ import annotations

import pytest
from django.utils import translation

from accounts.models import User
from applications import prefill_camdx
from camdx_api import service_codes
from camdx_api.models import ApiCall, ApiConsumer
from sandbox.camdx import testing
from tests.i18n.support import untranslated_english, visible_chunks

pytestmark = pytest.mark.django_db


@pytest.fixture
def khmer_officer_client(client):
    officer = User.objects.create_superuser(
        "officer-api-km", "api-km@example.gov.kh", "a-long-test-password-1"
    )
    client.force_login(officer)
    client.cookies["django_language"] = "km"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "km"
    return client, {officer.username, officer.email, officer.username[:1].upper(), "English"}


@pytest.fixture
def consumer():
    consumer = ApiConsumer.objects.create(
        name_en="Ministry of Commerce",
        name_km="ក្រសួងពាណិជ្ជកម្ម",
        camdigikey_domain="api.moc.gov.kh",
        allowed_service_codes=["application_detail", "system_health"],
    )
    ApiCall.objects.create(
        consumer=consumer,
        service_code="application_detail",
        method="GET",
        path="/api/v1/application/x/",
        status_code=200,
        outcome="ok",
        duration_ms=3,
    )
    return consumer


@pytest.mark.parametrize("page", ["apiconsumer/", "apiconsumer/add/", "apiconsumer/{pk}/change/", "apicall/"])
def test_api_door_backoffice_pages_are_khmer(khmer_officer_client, consumer, page):
    client, data_values = khmer_officer_client
    response = client.get("/backoffice/camdx_api/" + page.format(pk=consumer.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "API អន្តរប្រតិបត្តិការ" in html  # the app's section in the sidebar
    data_values |= {"Ministry of Commerce", "api.moc.gov.kh", "/api/v1/application/x/"}
    data_values |= set(service_codes.ALL_SERVICE_CODES)  # the contract's codes, shown beside their names
    assert untranslated_english(html, data_values) == []


def test_api_consumer_form_errors_are_khmer(khmer_officer_client):
    client, _ = khmer_officer_client
    response = client.post(
        "/backoffice/camdx_api/apiconsumer/add/",
        {
            "name_en": "x",
            "name_km": "y",
            "camdigikey_domain": "not a domain!",
            "xroad_client": "bad",
            "rate_limit_per_minute": "60",
        },
    )
    page = response.content.decode()
    assert "សូមបញ្ចូលឈ្មោះដែនជាអក្សរឡាតាំងតូច ឧទាហរណ៍ api.moc.gov.kh។" in page
    assert "សូមបញ្ចូលតាមទម្រង់ INSTANCE/CLASS/MEMBER/SUBSYSTEM" in page


def test_the_call_log_names_the_service_as_the_consumer_form_does(khmer_officer_client, consumer):
    # The model's choices (gettext) and the form's fixed Khmer labels (service_codes.KHMER_LABELS) agree.
    client, _ = khmer_officer_client
    page = client.get("/backoffice/camdx_api/apicall/").content.decode()
    assert service_codes.khmer_label("application_detail") in page
    with translation.override("km"):
        for code in service_codes.ALL_SERVICE_CODES:
            if code != "applications_info":  # its msgid is also unfold's sidebar link (see docs/i18n.md)
                assert str(service_codes.ServiceCode(code).label) == service_codes.khmer_label(code)


def test_simulator_registry_page_is_khmer(client, db):
    member = testing.subsystem("CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY", "Online Business Registration")
    testing.service(
        "CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY",
        "business_info",
        "http://obr.test/api",
        enabled=False,
        disabled_notice="Maintenance until 6:00",
    )
    client.cookies["django_language"] = "km"
    page = client.get("/sandbox/camdx/", HTTP_ACCEPT_LANGUAGE="km").content.decode()
    chunks = visible_chunks(page)
    assert "ម៉ាស៊ីនមេសុវត្ថិភាព CamDX (ប្រព័ន្ធសាកល្បង)" in chunks
    assert any("បានបិទ៖ Maintenance until 6:00" in chunk for chunk in chunks)  # Khmer colon, notice as data
    assert "សមាជិក និងប្រព័ន្ធរង" in chunks
    assert str(member.member) in page


def test_prefill_notices_are_khmer():
    with translation.override("km"):
        for notice in (prefill_camdx.UNAVAILABLE, prefill_camdx.NOT_FOUND):
            text = str(notice)
            assert text.startswith(("នៅពេលនេះ", "បញ្ជីអាជីវកម្ម")) and text.endswith("។")
