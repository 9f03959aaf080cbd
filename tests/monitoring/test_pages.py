"""The status pages and the registry: who may open them (403/404 otherwise), what each shows, and what the
public page never shows."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from monitoring import services
from monitoring.models import AlertDestination, MemberSystem
from tests.monitoring.conftest import DOWN, UP, make_system, officer

pytestmark = pytest.mark.django_db

STATUS = "/backoffice/status/"
REGISTRY = "/backoffice/monitoring/membersystem/"
SECRET_URL = "http://10.20.30.40:8443/internal/health"


@pytest.fixture(autouse=True)
def _english(client, english):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def systems(mot, moc):
    tourism = make_system(
        "mot-eservice", probe_url=SECRET_URL, owner_institution=mot, owner_contact="Mr Sok, 012 345 678"
    )
    commerce = make_system("moc-eservice", name_en="Commerce licensing system", owner_institution=moc)
    now = timezone.now()
    for n, answer in enumerate([DOWN, DOWN, DOWN, UP]):
        moment = now - datetime.timedelta(minutes=5 - n)
        services.record_answer(tourism.pk, int(moment.timestamp()), answer, checked_at=moment)
    services.fold_recent()
    return tourism, commerce


def test_a_national_administrator_sees_every_system_bars_and_incidents(client, systems):
    client.force_login(officer("OFF-MON-1", "system_administrator"))
    response = client.get(STATUS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ministry of Tourism e-service" in page and "Commerce licensing system" in page
    assert page.count('data-testid="past-incident"') == 1
    # 90 bars per system, each with a text alternative; a table of the daily figures
    assert page.count("no data</span>") == 2 * 89 + 1
    assert ": 25.00% up</span>" in page and "<table" in page
    assert "the connection failed" not in page and "an error HTTP status" in page


def test_an_officer_of_one_institution_sees_only_its_systems(client, systems, mot):
    client.force_login(officer("OFF-MON-2", "system_administrator", mot))
    page = client.get(STATUS).content.decode()
    assert "Ministry of Tourism e-service" in page and "Commerce licensing system" not in page


def test_officers_without_the_permission_are_refused(client, systems, mot):
    client.force_login(officer("OFF-MON-3", "reception_officer", mot))
    assert client.get(STATUS).status_code == 403
    assert client.get(REGISTRY).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, systems):
    response = client.get(STATUS)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_registry_is_for_national_administrators_only(client, systems, mot):
    tourism, _commerce = systems
    client.force_login(officer("OFF-MON-4", "system_administrator", mot))
    assert client.get(REGISTRY).status_code == 403
    assert client.get(reverse("admin:monitoring_membersystem_change", args=[tourism.pk])).status_code == 403
    client.force_login(officer("OFF-MON-5", "system_administrator"))
    assert client.get(REGISTRY).status_code == 200
    assert client.get(reverse("admin:monitoring_membersystem_delete", args=[tourism.pk])).status_code == 403


def _form(**overrides) -> dict:
    data = {
        "code": "mef-fmis",
        "name_km": "ប្រព័ន្ធ FMIS",
        "name_en": "FMIS",
        "kind": "ministry",
        "enabled": "on",
        "probe_url": "https://fmis.mef.gov.kh/health",
        "check_kind": "part5_health",
        "interval_seconds": 30,
        "timeout_seconds": 5,
        "slow_ms": 2000,
        "failures_before_incident": 3,
        "owner_contact": "",
        "destinations-TOTAL_FORMS": 2,
        "destinations-INITIAL_FORMS": 0,
        "destinations-MIN_NUM_FORMS": 0,
        "destinations-MAX_NUM_FORMS": 1000,
        "destinations-0-channel": "sms",
        "destinations-0-address": "012 345 678",
        "destinations-0-language": "km",
        "destinations-0-enabled": "on",
        "destinations-1-channel": "telegram",
        "destinations-1-address": "-1001234567890",
        "destinations-1-language": "en",
        "destinations-1-enabled": "on",
    }
    data.update(overrides)
    return data


def test_a_system_is_registered_with_destinations_encrypted_at_rest(client):
    client.force_login(officer("OFF-MON-6", "system_administrator"))
    response = client.post(REGISTRY + "add/", _form())
    assert response.status_code == 302, response.content.decode()[:3000]
    system = MemberSystem.objects.get(code="mef-fmis")
    assert sorted(d.address for d in system.destinations.all()) == ["+85512345678", "-1001234567890"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT address FROM {AlertDestination._meta.db_table}")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and all("85512345678" not in value and "1001234567890" not in value for value in stored)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("destinations-0-address", "12 34", "Enter a phone number"),
        ("destinations-1-address", "my chat", "Telegram chat id"),
        ("timeout_seconds", "40", "Ensure this value is less than or equal to 30"),
        ("interval_seconds", "5", "Ensure this value is greater than or equal to 15"),
        ("slow_ms", "9000", "below the timeout"),
        ("probe_url", "not a url", "Enter a valid URL"),
        ("probe_url", "ftp://files.mef.gov.kh/health", "Enter a valid URL"),
        ("destinations-1-channel", "pigeon", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(client, field, value, message):
    client.force_login(officer("OFF-MON-7", "system_administrator"))
    response = client.post(REGISTRY + "add/", _form(**{field: value}))
    assert response.status_code == 200 and not MemberSystem.objects.exists()
    assert message in response.content.decode()


def test_the_public_page_is_off_by_default(client, systems):
    assert client.get("/status/").status_code == 404


def test_the_public_page_shows_names_state_and_uptime_only(client, systems, settings):
    settings.ESB_PUBLIC_STATUS_PAGE = True
    response = client.get("/status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ministry of Tourism e-service" in page and "Uptime over 90 days: 25.00%." in page
    for internal in (
        SECRET_URL,
        "10.20.30.40",
        "Mr Sok",
        "012 345 678",
        "an error HTTP status",
        "http_status",
    ):
        assert internal not in page, internal
    assert " ms" not in page


def test_the_public_page_lists_no_disabled_system(client, systems, settings):
    settings.ESB_PUBLIC_STATUS_PAGE = True
    MemberSystem.objects.filter(code="moc-eservice").update(enabled=False)
    assert "Commerce licensing system" not in client.get("/status/").content.decode()


def test_the_pages_read_in_khmer(client, systems, settings):
    settings.ESB_PUBLIC_STATUS_PAGE = True
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "km"
    client.cookies.load({"django_language": "km"})
    page = client.get("/status/", HTTP_ACCEPT_LANGUAGE="km").content.decode()
    assert "សេវាអេឡិចត្រូនិកក្រសួងទេសចរណ៍" in page
