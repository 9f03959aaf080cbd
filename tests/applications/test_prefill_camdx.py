"""Once-only prefill from the business registry through CamDX: the registry's answer mapped to the same keys
as the local registries, ESB_PREFILL_SOURCES choosing the source, and a form without prefill (with a clear
message) whenever the registry cannot answer."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest
from django.urls import reverse

from applications import prefill, prefill_camdx
from applications.models import Application
from camdx_client.client import breaker_for
from camdx_client.config import CamdxConfig
from esb.models import AuditEvent, OutgoingRequest
from licensing import prefill as catalog
from sandbox.obr import registry as obr
from tests.camdx_client.conftest import Answer, camdigikey, camdx_settings, security_server, xroad_fault
from tests.registry.factories import BusinessFactory

pytestmark = pytest.mark.django_db
__all__ = ["camdigikey", "camdx_settings", "security_server"]  # fixtures used here

SINGLE_ID = "1000000103"  # demo: two owners, one of them also the representative


@dataclass
class Field:
    key: str
    prefill_source: str


@pytest.fixture
def camdx_first(camdx_settings, camdigikey):
    camdx_settings.ESB_PREFILL_SOURCES = [prefill_camdx.KEY, "local-registries"]
    breaker = breaker_for(CamdxConfig.from_settings(), "business_info")
    breaker.reset()
    yield camdx_settings
    breaker.reset()


@pytest.fixture
def registry_business(reference_data, db):
    return BusinessFactory(single_id=SINGLE_ID)


class Applicant:
    """What the sources read of the user."""

    camdigikey_id = "6f1c3b1e-2b7a-4d55-9a53-0c4d7a3e5b10"
    personal_code = ""
    full_name_km = full_name_en = mobile_phone = ""
    email = "me@example.com"


def fetch(business, keys, user=None, issue="MOC-2026-000123"):
    return prefill_camdx.CamdxBusinessRegistry().fetch(
        keys, user=user or Applicant(), business=business, issue=issue
    )


def test_the_local_registries_answer_unless_the_setting_says_otherwise(settings):
    assert catalog.source_for("business.name_en").key == "local-registries"
    settings.ESB_PREFILL_SOURCES = [prefill_camdx.KEY, "local-registries"]
    assert catalog.source_for("business.name_en").key == prefill_camdx.KEY
    assert catalog.source_for("owner.address").key == prefill_camdx.KEY
    assert catalog.source_for("applicant.full_name_en").key == "local-registries"  # not the registry's to say
    settings.ESB_PREFILL_SOURCES = ["local-registries"]
    assert catalog.source_for("owner.address").key == "local-registries"


def test_the_plugin_is_checked_against_the_configured_services(settings):
    plugin = catalog.prefill_sources.get(prefill_camdx.KEY)
    assert plugin.check_config() == []
    settings.ESB_PREFILL_SOURCES = [prefill_camdx.KEY]
    settings.CAMDX = {**settings.CAMDX, "SERVICES": {}}
    assert plugin.check_config() == [
        "ESB_PREFILL_SOURCES lists camdx-business-registry but CAMDX_SERVICES has no 'business_info' service"
    ]


def test_the_registry_answer_is_mapped_to_the_declared_keys(camdx_first, security_server, registry_business):
    record = obr.company(SINGLE_ID)
    security_server.answers = [Answer(200, record)]
    keys = sorted(prefill_camdx.CamdxBusinessRegistry.answers)
    answer = fetch(registry_business, keys)
    values = answer.values
    assert values["business.single_id"] == SINGLE_ID
    assert values["business.name_km"] == record["name_kh"]
    assert values["business.name_en"] == "Phnom Penh Digital Solutions Co., Ltd."
    assert values["business.total_employees"] == 42
    assert values["business.foreign_female_employees"] == 1
    assert values["business.primary_activity"] == "6201"
    assert values["business.address"] == {
        "province": "12",
        "district": "1213",
        "commune": "121301",
        "village": "12130101",
        "house_number": "309",
        "street_name": "133",
        "group_name": "",
    }
    owner = record["owners"][0]
    assert values["owner.first_name_km"] == owner["first_name_kh"]
    assert values["owner.last_name_en"] == owner["last_name_en"]
    assert values["owner.gender"] == owner["gender"]
    assert values["owner.date_of_birth"] == owner["date_of_birth"]
    assert values["owner.nationality"] == "KH"
    assert values["owner.identity_number"] == owner["identity_number"]
    assert values["owner.address"]["village"] == owner["address"]["village"]
    assert values["representative.first_name_en"] == record["representatives"][0]["first_name_en"]
    assert set(values) <= set(catalog.PREFILL_SOURCES)
    assert [label for label, _business in answer.records_read] == [
        "business registry record (through CamDX)",
        "owner's record in the business registry (through CamDX)",
        "representative's record in the business registry (through CamDX)",
    ]
    assert answer.notices == []
    headers = security_server.seen[0]["headers"]
    assert security_server.seen[0]["path"].endswith(f"/OBR_REGISTRY/business_info/{SINGLE_ID}")
    assert headers["X-Road-Issue"] == "MOC-2026-000123"
    assert headers["X-Road-UserId"] == f"KH{Applicant.camdigikey_id}"
    assert answer.exchanges == [headers["X-Road-Id"]]


def test_the_representative_is_the_applicant_when_they_are_one(
    camdx_first, security_server, registry_business
):
    record = copy.deepcopy(obr.company(SINGLE_ID))
    second = {**record["representatives"][0], "first_name_en": "Second", "identity_number": "N0998877"}
    record["representatives"].append(second)
    security_server.answers = [Answer(200, record)] * 2
    assert fetch(registry_business, ["representative.first_name_en"]).values == {
        "representative.first_name_en": record["representatives"][0]["first_name_en"]
    }
    applicant = Applicant()
    applicant.personal_code = "N0998877"
    answer = fetch(registry_business, ["representative.first_name_en"], user=applicant)
    assert answer.values == {"representative.first_name_en": "Second"}


@pytest.mark.parametrize(
    ("answer", "notice"),
    [
        (xroad_fault("Server.ServerProxy.ServiceFailed"), prefill_camdx.UNAVAILABLE),
        (xroad_fault("Client.BadRequest", 400), prefill_camdx.UNAVAILABLE),
        (Answer(404, {"error": "not_found"}), prefill_camdx.NOT_FOUND),
        (Answer(500, b"<html>oops</html>"), prefill_camdx.UNAVAILABLE),
        (Answer(200, b"not json"), prefill_camdx.UNAVAILABLE),
        (Answer(200, {"single_id": "1000000999", "name_en": "Someone else"}), prefill_camdx.UNAVAILABLE),
    ],
    ids=["xroad-fault", "bad-request", "not-found", "provider-500", "not-json", "another-business"],
)
def test_no_prefill_and_a_notice_when_the_registry_cannot_answer(
    camdx_first, security_server, registry_business, answer, notice
):
    security_server.answers = [answer]
    found = fetch(registry_business, ["business.name_en", "owner.first_name_en"])
    assert found.values == {}
    assert found.notices == [notice]
    assert found.records_read == []


def test_an_open_circuit_means_no_call_and_a_notice(camdx_first, security_server, registry_business):
    security_server.answers = [xroad_fault("Server.ServerProxy.NetworkError")] * 5
    for _ in range(3):  # the breaker opens after 3 failures in camdx_settings
        fetch(registry_business, ["business.name_en"])
    found = fetch(registry_business, ["business.name_en"])
    assert found.notices == [prefill_camdx.UNAVAILABLE]
    assert len(security_server.seen) == 3


def test_no_business_no_lookup(camdx_first, security_server):
    assert fetch(None, ["business.name_en"]).values == {}
    assert security_server.seen == []


def test_resolve_gathers_notices_once(camdx_first, security_server, registry_business):
    security_server.answers = [xroad_fault("Server.ServerProxy.ServiceFailed")]
    found = prefill.resolve(
        [Field("name", "business.name_en"), Field("me", "applicant.email")],
        user=Applicant(),
        business=registry_business,
    )
    assert found.notices == [prefill_camdx.UNAVAILABLE]
    assert found.values == {"me": "me@example.com"}  # the local source still answers what it holds


def test_starting_an_application_when_the_registry_is_down_is_a_plain_form_with_a_message(
    camdx_first, security_server, applicant_client, applicant, business, free_service
):
    security_server.answers = [xroad_fault("Server.ServerProxy.ServiceFailed")]
    response = applicant_client.post(reverse("applications:start", args=[free_service.code]), follow=True)
    assert response.status_code == 200
    application = Application.objects.get(applicant=applicant)
    assert application.prefilled == {}
    assert str(prefill_camdx.UNAVAILABLE) in response.content.decode()
    assert security_server.seen[0]["headers"]["X-Road-Issue"] == str(application.public_id)
    assert OutgoingRequest.objects.get(service="camdx").outcome == "error"


def test_starting_an_application_prefills_from_the_registry_and_audits_the_exchange(
    camdx_first, security_server, applicant_client, applicant, business, free_service
):
    record = {**obr.company(SINGLE_ID), "single_id": business.single_id}
    security_server.answers = [Answer(200, record)]
    applicant_client.post(reverse("applications:start", args=[free_service.code]))
    application = Application.objects.get(applicant=applicant)
    assert application.answers["single_id"] == business.single_id
    assert application.answers["address"]["village"] == "12130101"  # the registry's, not the local record's
    event = AuditEvent.objects.get(action="application.start")
    assert event.after["camdx_message_ids"] == [security_server.seen[0]["headers"]["X-Road-Id"]]


def test_an_unknown_source_in_the_setting_is_reported(settings):
    local = catalog.prefill_sources.get("local-registries")
    settings.ESB_PREFILL_SOURCES = ["local-registries", "camdx-busines-registry"]
    assert local.check_config() == [
        "ESB_PREFILL_SOURCES names unknown sources: camdx-busines-registry "
        "(known: local-registries, camdx-business-registry)"
    ]
