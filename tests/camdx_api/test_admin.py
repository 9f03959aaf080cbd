"""The back-office of the API: consumers kept by national system administrators, the call log read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from accounts import services as accounts_services
from accounts.roles import ROLE_PERMISSIONS
from camdx_api.models import ApiCall, ApiConsumer
from camdx_api.services import record_call
from esb.models import AuditEvent
from registry.models import Institution

pytestmark = pytest.mark.django_db

CONSUMERS = "/backoffice/camdx_api/apiconsumer/"
CALLS = "/backoffice/camdx_api/apicall/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _officer(code: str, role: str, institution=None):
    officer = accounts_services.register_officer(code, full_name_en=f"Officer {code}", by=None)
    accounts_services.assign_role(officer, role, institution, by=None)
    return officer


@pytest.fixture
def moc(db):
    institution, _ = Institution.objects.get_or_create(
        code="MOC", defaults={"name_km": "ពាណិជ្ជកម្ម", "name_en": "Commerce"}
    )
    return institution


def test_roles_name_real_permissions():
    from django.contrib.auth.models import Permission

    specs = [s for specs in ROLE_PERMISSIONS.values() for s in specs if s.startswith("camdx_api.")]
    assert specs
    for spec in specs:
        app, codename = spec.split(".", 1)
        assert Permission.objects.filter(content_type__app_label=app, codename=codename).exists(), spec


def test_a_national_system_administrator_registers_a_consumer(client, moc):
    client.force_login(_officer("OFF-API-1", "system_administrator"))
    assert client.get(CONSUMERS).status_code == 200
    assert client.get(CONSUMERS + "add/").status_code == 200
    response = client.post(
        CONSUMERS + "add/",
        {
            "name_en": "Ministry of Economy and Finance",
            "name_km": "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ",
            "institution": moc.pk,
            "camdigikey_domain": "API.MEF.gov.kh",
            "xroad_client": "CAMBODIA/GOV/MEF-2020-0001/FMIS_API",
            "allowed_service_codes": ["application_statistic", "owner_statistic"],
            "rate_limit_per_minute": 120,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    consumer = ApiConsumer.objects.get()
    assert consumer.camdigikey_domain == "api.mef.gov.kh"
    assert consumer.allowed_service_codes == ["application_statistic", "owner_statistic"]
    assert AuditEvent.objects.filter(action="admin.add", object_type="camdx_api.apiconsumer").exists()
    change = client.get(reverse("admin:camdx_api_apiconsumer_change", args=[consumer.pk]))
    assert change.status_code == 200 and "application_detail" in change.content.decode()
    # a consumer is deactivated, never deleted: its calls are evidence
    assert client.get(reverse("admin:camdx_api_apiconsumer_delete", args=[consumer.pk])).status_code == 403


def test_a_malformed_xroad_client_is_refused_by_the_form(client):
    client.force_login(_officer("OFF-API-2", "system_administrator"))
    response = client.post(
        CONSUMERS + "add/",
        {
            "name_en": "X",
            "name_km": "X",
            "camdigikey_domain": "api.x.gov.kh",
            "xroad_client": "CAMBODIA/GOV/ONLY-MEMBER",
            "allowed_service_codes": ["system_health"],
            "rate_limit_per_minute": 10,
        },
    )
    assert response.status_code == 200 and not ApiConsumer.objects.exists()
    assert "INSTANCE/CLASS/MEMBER/SUBSYSTEM" in response.content.decode()


def test_the_call_log_is_read_only_and_filterable(client, consumer):
    record_call(
        consumer=consumer,
        service_code="application_info",
        method="GET",
        path="/api/v1/licenses/123",
        status_code=200,
        duration_ms=12,
    )
    call = ApiCall.objects.get()
    client.force_login(_officer("OFF-API-3", "system_administrator"))
    for url in (CALLS, CALLS + "?status_code__exact=200", CALLS + "?service_code__exact=application_info"):
        response = client.get(url)
        assert response.status_code == 200 and "/api/v1/licenses/123" in response.content.decode(), url
    assert client.get(reverse("admin:camdx_api_apicall_change", args=[call.pk])).status_code == 200
    assert client.get(CALLS + "add/").status_code == 403
    assert client.get(reverse("admin:camdx_api_apicall_delete", args=[call.pk])).status_code == 403


def test_institution_officers_do_not_see_the_api_registry(client, moc, consumer):
    for code, role in (("OFF-API-4", "system_administrator"), ("OFF-API-5", "reception_officer")):
        client.force_login(_officer(code, role, moc))
        assert client.get(CONSUMERS).status_code == 403, role
        assert client.get(CALLS).status_code == 403, role
