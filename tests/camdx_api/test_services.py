"""Consumers registered through the service (and the demo seed), token-status caching, OpenAPI scheme."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.exceptions import ValidationError

from accounts.camdigikey import errors as cdk
from camdx_api import errors, services
from camdx_api.models import ApiConsumer
from camdx_api.service_codes import ALL_SERVICE_CODES, ServiceCode, english_label, khmer_label, label
from esb.models import AuditEvent
from tests.camdx_api.conftest import MOC_DOMAIN, MOC_XROAD, fake_token

pytestmark = pytest.mark.django_db


def _register(**changes) -> ApiConsumer:
    values = {
        "camdigikey_domain": "api.mef.gov.kh",
        "name_en": "Ministry of Economy and Finance",
        "name_km": "ក្រសួងសេដ្ឋកិច្ច និងហិរញ្ញវត្ថុ",
        "allowed_service_codes": ["owner_statistic", "application_statistic"],
        "rate_limit_per_minute": 100,
        **changes,
    }
    return services.register_consumer(**values)


def test_register_consumer_is_idempotent_and_audited():
    consumer = _register(camdigikey_domain="API.MEF.GOV.KH")
    assert consumer.camdigikey_domain == "api.mef.gov.kh"
    assert consumer.allowed_service_codes == ["application_statistic", "owner_statistic"]
    assert _register().pk == consumer.pk
    assert AuditEvent.objects.filter(object_type="camdx_api.apiconsumer").count() == 1
    changed = _register(rate_limit_per_minute=5)
    assert changed.rate_limit_per_minute == 5
    event = AuditEvent.objects.get(action="camdx_api.consumer_changed")
    assert event.before == {"rate_limit_per_minute": 100} and event.after == {"rate_limit_per_minute": 5}


@pytest.mark.parametrize(
    "changes",
    [
        {"allowed_service_codes": ["applications_info", "everything"]},
        {"xroad_client": "CAMBODIA/GOV/MEF"},
        {"xroad_client": "CAMBODIA/GOV/MEF/FMIS/EXTRA"},
        {"camdigikey_domain": "not a domain"},
        {"rate_limit_per_minute": 0},
    ],
)
def test_register_consumer_refuses_bad_values(changes):
    with pytest.raises(ValidationError):
        _register(**changes)
    assert not ApiConsumer.objects.exists()


def test_xroad_identifiers_with_underscores_and_the_member_part():
    consumer = _register(xroad_client=MOC_XROAD)
    assert consumer.xroad_member == "CAMBODIA/GOV/MOC-2021-0001"
    assert services.xroad_member("CAMBODIA/GOV/MOC%2D2021%2D0001/MOC_LICENSING") == consumer.xroad_member
    assert services.xroad_member("CAMBODIA/GOV") == ""


def test_the_demo_seed_registers_the_ministry_of_commerce(reference_data):
    from camdx_api import demo
    from registry.demo import seed_institutions

    seed_institutions()
    demo.seed(StringIO())
    demo.seed(StringIO())
    consumer = ApiConsumer.objects.get()
    assert consumer.camdigikey_domain == MOC_DOMAIN and consumer.xroad_client == MOC_XROAD
    assert sorted(consumer.allowed_service_codes) == sorted(ALL_SERVICE_CODES)
    assert consumer.rate_limit_per_minute == 600 and consumer.is_active
    assert consumer.institution.code == "MOC"


def test_service_code_labels_in_both_languages():
    from django.utils import translation

    assert len(ALL_SERVICE_CODES) == 8
    assert english_label(ServiceCode.OWNER_STATISTIC) == "Business owner statistics"
    assert khmer_label(ServiceCode.OWNER_STATISTIC) == "ស្ថិតិម្ចាស់អាជីវកម្ម"
    with translation.override("km"):
        assert label(ServiceCode.OWNER_STATISTIC) == "ស្ថិតិម្ចាស់អាជីវកម្ម"
    with translation.override("en"):
        assert label(ServiceCode.OWNER_STATISTIC) == "Business owner statistics"


def test_the_cached_status_never_outlives_the_token(consumer, camdigikey, monkeypatch):
    token = camdigikey.valid()
    services.authenticate_organization(token)
    assert len(camdigikey.calls) == 1
    # pretend the token expires now: the cached answer is no longer believed
    real_time = time.time
    monkeypatch.setattr(services.time, "time", lambda: real_time() + 4000)
    camdigikey.answers[token] = cdk.ExpiredAccessToken()
    with pytest.raises(errors.ExpiredToken):
        services.authenticate_organization(token)
    assert len(camdigikey.calls) == 2


def test_a_revoked_answer_is_remembered_briefly(consumer, camdigikey):
    token = camdigikey.failing(cdk.DisabledAccessToken())
    for _ in range(2):
        with pytest.raises(errors.RevokedToken):
            services.authenticate_organization(token)
    assert len(camdigikey.calls) == 1


def test_a_cache_outage_costs_a_round_trip_not_a_refusal(consumer, camdigikey, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(services.cache, "get", broken)
    monkeypatch.setattr(services.cache, "set", broken)
    token = camdigikey.valid()
    for _ in range(2):
        assert services.authenticate_organization(token).consumer == consumer
    assert len(camdigikey.calls) == 2


def test_a_transient_failure_is_not_cached(consumer, camdigikey):
    token = fake_token(domain=MOC_DOMAIN)
    camdigikey.answers[token] = cdk.TransportError()
    with pytest.raises(errors.IdentityServiceUnavailable):
        services.authenticate_organization(token)
    camdigikey.answers[token] = MOC_DOMAIN
    assert services.authenticate_organization(token).consumer == consumer


def test_the_openapi_document_shows_the_bearer_scheme(settings):
    from drf_spectacular.generators import SchemaGenerator

    from tests.camdx_api import door_urls

    schema = SchemaGenerator(patterns=door_urls.api, api_version="v1").get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["camdigikeyOrganizationToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    operation = next(item["get"] for path, item in schema["paths"].items() if path.endswith("/door/"))
    assert {"camdigikeyOrganizationToken": []} in operation["security"]
    assert {"200", "400", "401", "403", "404", "429", "500", "503"} <= set(operation["responses"])
    error = schema["components"]["schemas"]["Part5Error"]
    assert {"code", "message", "data"} <= set(error["properties"])


def test_a_misconfigured_camdigikey_client_answers_503_not_500(client, consumer):
    from accounts.identity_providers import CAMDIGIKEY, IdentityProvider, identity_providers

    class Misconfigured(IdentityProvider):
        def client(self):
            raise cdk.ConfigurationError("CAMDIGIKEY['HMAC_KEY'] is missing")

    with (
        identity_providers.override(CAMDIGIKEY, Misconfigured()),
        pytest.raises(errors.IdentityServiceUnavailable),
    ):
        services.authenticate_organization(fake_token(domain=MOC_DOMAIN))
