"""The door against the CamDigiKey simulator over real HTTP: the tokens are the simulator's, the status
checks are real protocol calls (signature chain, envelope, token-status API)."""

from __future__ import annotations

import pytest

from camdx_api.models import ApiCall
from sandbox.camdigikey import crypto
from tests.camdx_api.conftest import DOOR, MOC_DOMAIN, MOC_XROAD, bearer, ministry_client

pytestmark = pytest.mark.urls("tests.camdx_api.door_urls")


def _reason(response) -> str:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == 500
    header = response["WWW-Authenticate"]
    return header.split('error_description="', 1)[1].rstrip('"') if "error_description" in header else ""


def test_an_organization_token_of_the_simulator_opens_the_door(client, live_camdigikey, consumer):
    token = ministry_client().get_organization_access_token()
    response = client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=MOC_XROAD)
    assert response.status_code == 200, response.content
    assert response.json()["data"]["consumer"] == MOC_DOMAIN
    call = ApiCall.objects.get()
    assert call.consumer == consumer and call.status_code == 200 and call.xroad_client == MOC_XROAD


def test_a_revoked_token_is_refused(client, live_camdigikey, consumer):
    moc = ministry_client()
    token = moc.get_organization_access_token()
    moc.logout_access_token(token)
    assert _reason(client.get(DOOR, **bearer(token))) == "revoked_token"


def test_a_token_with_a_forged_signature_is_refused(client, live_camdigikey, consumer):
    token = ministry_client().get_organization_access_token()
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[:-6]}AAAAAA"
    assert _reason(client.get(DOOR, **bearer(forged))) == "bad_signature"


def test_expired_and_user_tokens_are_refused(client, live_camdigikey, consumer):
    expired = crypto.sign_token(crypto.base_claims("ORGANIZATION", -60, domain=MOC_DOMAIN))
    assert _reason(client.get(DOOR, **bearer(expired))) == "expired_token"
    user = crypto.sign_token(crypto.base_claims("USER", 600, domain=MOC_DOMAIN, personal_code="010203"))
    assert _reason(client.get(DOOR, **bearer(user))) == "wrong_token_type"


def test_a_token_of_an_unregistered_organization_is_refused(client, live_camdigikey, consumer):
    from accounts.camdigikey.client import get_client

    portal_token = get_client().get_organization_access_token()  # the portal's own domain: not a consumer
    assert _reason(client.get(DOOR, **bearer(portal_token))) == "unknown_domain"


def test_an_inactive_consumer_and_a_foreign_xroad_member_are_refused(client, live_camdigikey, make_consumer):
    consumer = make_consumer()
    token = ministry_client().get_organization_access_token()
    foreign = client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/MEF-2020-0001/FMIS")
    assert _reason(foreign) == "xroad_client_mismatch"
    consumer.is_active = False
    consumer.save()
    assert _reason(client.get(DOOR, **bearer(token))) == "inactive_consumer"


def test_camdigikey_unreachable_answers_503(client, live_camdigikey, consumer, settings):
    token = ministry_client().get_organization_access_token()
    from sandbox.camdigikey.testing import forget_signer_chain

    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "BASE_URL": "http://127.0.0.1:9", "TIMEOUT": 1}
    forget_signer_chain("http://127.0.0.1:9")
    response = client.get(DOOR, **bearer(token))
    assert response.status_code == 503
    assert response.json() == {
        "code": 503,
        "message": "The token cannot be checked now: the identity service (CamDigiKey) is unavailable. "
        "Try again later.",
        "data": None,
    }
    assert int(response["Retry-After"]) > 0
