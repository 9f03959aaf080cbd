"""End to end over real HTTP (pytest-django's live_server): the once-only prefill lookup goes from the CamDX
client through the security-server simulator (/sandbox/camdx/r1/…/OBR_REGISTRY/business_info/<single_id>)
to the business-registry simulator (/sandbox/obr), with an organization token from the CamDigiKey
simulator."""

from __future__ import annotations

import pytest

from applications import prefill_camdx
from camdx_client import errors
from camdx_client import token as org_token
from camdx_client.client import CamdxClient, breaker_for
from camdx_client.config import CamdxConfig
from esb.models import OutgoingRequest
from sandbox.camdigikey.testing import use_live_sandbox
from sandbox.camdx import demo as camdx_demo
from tests.registry.factories import BusinessFactory

pytestmark = pytest.mark.django_db(transaction=True)


class Applicant:
    camdigikey_id = "6f1c3b1e-2b7a-4d55-9a53-0c4d7a3e5b10"
    personal_code = ""


@pytest.fixture
def through_camdx(live_server, settings):
    use_live_sandbox(settings, live_server.url)  # the CamDigiKey simulator issues the organization token
    camdx_demo.seed_registry()  # members, services (business_info -> /sandbox/obr/...), access rights
    settings.CAMDX = {**settings.CAMDX, "SECURITY_SERVER_URL": f"{live_server.url}/sandbox/camdx"}
    settings.ESB_PREFILL_SOURCES = [prefill_camdx.KEY, "local-registries"]
    breaker = breaker_for(CamdxConfig.from_settings(), "business_info")
    breaker.reset()
    org_token.forget()
    yield settings
    breaker.reset()
    org_token.forget()


def test_the_prefill_lookup_reaches_the_business_registry_through_the_security_server(through_camdx):
    business = BusinessFactory(single_id="1000000101")
    answer = prefill_camdx.CamdxBusinessRegistry().fetch(
        ["business.name_en", "business.primary_activity", "business.address", "owner.first_name_en"],
        user=Applicant(),
        business=business,
        issue="MOC-2026-000123",
    )
    assert answer.notices == []
    assert answer.values["business.name_en"] == "Angkor Smile Travel & Tours Co., Ltd."
    assert answer.values["business.primary_activity"] == "7912"
    assert answer.values["business.address"]["village"] == "17100101"
    assert answer.values["owner.first_name_en"] == "Dara"
    assert len(answer.exchanges) == 1
    row = OutgoingRequest.objects.get(service="camdx")
    assert (row.operation, row.status_code, row.outcome) == ("business_info", 200, "ok")
    assert row.url.endswith(
        "/sandbox/camdx/r1/CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info/1000000101"
    )


def test_the_security_server_echoes_our_message_id(through_camdx):
    response = CamdxClient().call("business_info", "1000000102", message_id="esb-test-0001")
    assert response.message_id == "esb-test-0001"
    assert response.request_id  # set by the security server
    assert response.json()["name_en"] == "Mekong Fresh Rice Mill"


def test_an_unknown_single_id_comes_back_as_the_providers_404(through_camdx):
    with pytest.raises(errors.ProviderResponseError) as caught:
        CamdxClient().call("business_info", "9999999999")
    assert caught.value.status == 404
    assert caught.value.json()["error"] == "not_found"
    answer = prefill_camdx.CamdxBusinessRegistry().fetch(
        ["business.name_en"], user=Applicant(), business=BusinessFactory(single_id="9999999999")
    )
    assert answer.notices == [prefill_camdx.NOT_FOUND]


def test_a_client_without_access_rights_is_refused_by_the_provider_side(through_camdx):
    through_camdx.CAMDX = {**through_camdx.CAMDX, "CLIENT": "CAMBODIA/COM/CAMDEV-2026-0001/CONSUMER"}
    with pytest.raises(errors.ProviderServerError) as caught:
        CamdxClient().call("business_info", "1000000101")
    assert caught.value.type == "Server.ServerProxy.AccessDenied"
    assert caught.value.detail
