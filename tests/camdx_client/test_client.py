"""The CamDX client against a scripted security server on localhost: the headers it sends, X-Road faults
and provider errors as typed errors, retries of GET but never of POST, the circuit breaker, the cached
organization token and the outgoing-request log."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import cache

from accounts.camdigikey.errors import TransportError
from accounts.models import User
from camdx_client import errors
from camdx_client import token as org_token
from camdx_client.client import CamdxClient, acting_user_id, user_id_of
from camdx_client.config import CamdxConfig
from esb import request_context
from esb.models import OutgoingRequest
from tests.camdx_client.conftest import Answer, jwt, xroad_fault

pytestmark = pytest.mark.django_db

OBR_PATH = "/r1/CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info"


def test_the_request_carries_the_x_road_headers_and_the_organization_token(
    camdx, security_server, camdigikey
):
    security_server.answers = [Answer(200, {"single_id": "1000000101"})]
    response = camdx.call("business_info", "1000000101", user_id="KHabc-123", issue="MOC-2026-000123")
    seen = security_server.seen[0]
    assert (seen["method"], seen["path"]) == ("GET", f"{OBR_PATH}/1000000101")
    headers = seen["headers"]
    assert headers["X-Road-Client"] == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
    assert headers["X-Road-UserId"] == "KHabc-123"
    assert headers["X-Road-Issue"] == "MOC-2026-000123"
    assert headers["Authorization"] == f"Bearer {camdigikey.issued[0]}"
    assert uuid.UUID(headers["X-Road-Id"])  # generated: a UUID
    assert response.message_id == headers["X-Road-Id"]
    assert response.request_id == "req-1"
    assert response.json() == {"single_id": "1000000101"}


def test_a_given_message_id_and_query_and_body_are_sent_as_given(camdx, security_server):
    response = camdx.call(
        "kyc", "info", method="POST", json={"idNumber": "0102"}, params={"q": "1"}, message_id="m-1"
    )
    seen = security_server.seen[0]
    # the configured path of the service comes first, then the call's path
    assert seen["path"] == "/r1/CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info/api/2.0/kyc/info?q=1"
    assert seen["body"] == b'{"idNumber": "0102"}'
    assert seen["headers"]["X-Road-Id"] == "m-1"
    assert "X-Road-UserId" not in seen["headers"] and "X-Road-Issue" not in seen["headers"]
    assert response.message_id == "m-1"


def test_path_segments_are_encoded_and_cannot_climb_out(camdx, security_server):
    camdx.call("business_info", "a b/c")
    assert security_server.seen[0]["path"] == f"{OBR_PATH}/a%20b/c"
    with pytest.raises(ValueError, match=r"'\.\.'"):
        camdx.call("business_info", "../admin")


@pytest.mark.parametrize("user_id", ["12345", "kh123", "KH 123", "KH\n1"])
def test_a_malformed_user_id_is_refused_before_sending(camdx, security_server, user_id):
    with pytest.raises(ValueError, match="X-Road-UserId"):
        camdx.call("business_info", "1", user_id=user_id)
    assert security_server.seen == []


def test_the_user_id_is_kh_and_the_camdigikey_id():
    assert user_id_of(User(camdigikey_id="6f1c3b1e-2b7a-4d55-9a53-0c4d7a3e5b10")) == (
        "KH6f1c3b1e-2b7a-4d55-9a53-0c4d7a3e5b10"
    )
    assert user_id_of(User(username="breakglass")) is None
    assert user_id_of(None) is None


def test_an_unknown_service_names_the_configured_ones(camdx):
    with pytest.raises(errors.UnknownService, match="business_info, kyc"):
        camdx.call("tax_info")


@pytest.mark.parametrize(
    ("fault", "status", "error_class"),
    [
        ("Client.BadRequest", 400, errors.ClientRequestError),
        ("Client.InvalidClientIdentifier", 400, errors.ClientRequestError),
        ("Server.ClientProxy.OutdatedGlobalConf", 500, errors.ConsumerServerError),
        ("Server.ServerProxy.AccessDenied", 500, errors.ProviderServerError),
        ("Server.ServerProxy.NetworkError", 500, errors.ProviderServerError),
        ("Server.InternalError", 500, errors.XRoadError),
    ],
)
def test_security_server_faults_become_typed_errors(camdx, security_server, fault, status, error_class):
    security_server.answers = [xroad_fault(fault, status, message="Request is not allowed")]
    with pytest.raises(error_class) as caught:
        camdx.call("business_info", "1")
    error = caught.value
    assert type(error) is error_class
    assert (error.type, error.message, error.detail) == (
        fault,
        "Request is not allowed",
        "9bc95b6e-2f1d-4a41-a7e6-11eda7d734d5",
    )
    assert error.status == status and error.service_code == "business_info"
    row = OutgoingRequest.objects.get(service="camdx")
    assert (row.outcome, row.error_code, row.error_class) == ("error", fault, error_class.__name__)


def test_an_error_of_the_provider_system_has_no_x_road_error_header(camdx, security_server):
    security_server.answers = [Answer(404, {"error": "not_found"})]
    with pytest.raises(errors.ProviderResponseError) as caught:
        camdx.call("business_info", "999")
    assert caught.value.status == 404
    assert caught.value.json() == {"error": "not_found"}
    assert not isinstance(caught.value, errors.XRoadError)


def test_a_security_server_that_cannot_be_reached_is_a_typed_error(camdx, camdx_settings):
    unreachable = CamdxClient(
        CamdxConfig.from_settings().__class__(
            **{
                **CamdxConfig.from_settings().__dict__,
                "security_server_url": "http://127.0.0.1:9",
                "retries": 0,
            }
        )
    )
    with pytest.raises(errors.CamdxUnavailable, match="could not be reached"):
        unreachable.call("business_info", "1")
    assert OutgoingRequest.objects.get(service="camdx").error_class == "CamdxUnavailable"


def test_get_is_retried_on_unavailable_but_post_never(camdx, security_server):
    security_server.answers = [Answer(503), Answer(502), Answer(200, {"ok": 1})]
    assert camdx.call("business_info", "1").json() == {"ok": 1}
    assert [s["method"] for s in security_server.seen] == ["GET", "GET", "GET"]
    security_server.seen.clear()
    security_server.answers = [Answer(503), Answer(200)]
    with pytest.raises(errors.ProviderResponseError) as caught:
        camdx.call("kyc", "info", method="POST", json={})
    assert caught.value.status == 503
    assert len(security_server.seen) == 1


def test_every_call_is_one_outgoing_log_row_without_secrets(camdx, security_server, camdigikey):
    camdx.call("business_info", "1000000101", params={"personal_code": "010234567"})
    row = OutgoingRequest.objects.get(service="camdx")
    assert (row.operation, row.method, row.status_code, row.outcome) == ("business_info", "GET", 200, "ok")
    assert row.url.endswith(f"{OBR_PATH}/1000000101?personal_code=%2A%2A%2A")
    assert camdigikey.issued[0] not in row.url


# --- the circuit breaker ---------------------------------------------------------------------------------


def test_the_breaker_opens_after_consecutive_failures_and_closes_after_a_good_trial(camdx, security_server):
    security_server.answers = [xroad_fault("Server.ServerProxy.ServiceFailed")] * 3
    for _ in range(3):
        with pytest.raises(errors.ProviderServerError):
            camdx.call("business_info", "1")
    with pytest.raises(errors.CircuitOpen):
        camdx.call("business_info", "1")
    assert len(security_server.seen) == 3  # the fourth call was not sent
    assert OutgoingRequest.objects.filter(error_class="CircuitOpen").count() == 1
    camdx.call("kyc", "info")  # another service has its own breaker
    time.sleep(0.35)  # cooldown over: half-open, one trial goes through
    security_server.answers = [Answer(200, {"ok": True})]
    assert camdx.call("business_info", "1").json() == {"ok": True}
    security_server.answers = [xroad_fault("Server.ServerProxy.ServiceFailed")]
    with pytest.raises(errors.ProviderServerError):
        camdx.call("business_info", "1")  # closed again: one failure does not open it
    camdx.call("business_info", "1")


def test_a_failed_trial_opens_the_breaker_for_another_cooldown(camdx, security_server):
    security_server.answers = [Answer(500)] * 4
    for _ in range(3):
        with pytest.raises(errors.ProviderResponseError):
            camdx.call("business_info", "1")
    time.sleep(0.35)
    with pytest.raises(errors.ProviderResponseError):
        camdx.call("business_info", "1")  # the trial fails
    with pytest.raises(errors.CircuitOpen):
        camdx.call("business_info", "1")
    assert len(security_server.seen) == 4


def test_refusals_of_our_request_do_not_open_the_breaker(camdx, security_server):
    security_server.answers = [Answer(404)] * 3 + [xroad_fault("Client.BadRequest", 400)] * 3
    for _ in range(6):
        with pytest.raises((errors.ProviderResponseError, errors.ClientRequestError)):
            camdx.call("business_info", "1")
    camdx.call("business_info", "1")  # still closed
    assert len(security_server.seen) == 7


# --- the organization token ------------------------------------------------------------------------------


def test_the_organization_token_is_cached_until_shortly_before_it_expires(
    camdx, security_server, camdigikey, monkeypatch
):
    kept = []

    class SpyCache:
        def get(self, key):
            return cache.get(key)

        def set(self, key, value, ttl):
            kept.append(ttl)
            cache.set(key, value, ttl)

    monkeypatch.setattr(org_token, "cache", SpyCache())
    camdx.call("business_info", "1")
    camdx.call("business_info", "2")
    assert len(camdigikey.issued) == 1
    assert {s["headers"]["Authorization"] for s in security_server.seen} == {f"Bearer {camdigikey.issued[0]}"}
    assert len(kept) == 1 and 3600 - 60 - 5 <= kept[0] <= 3600 - 60  # kept until a minute before `exp`


def test_a_token_about_to_expire_is_not_kept(camdx, security_server, camdigikey):
    camdigikey.lifetime = 30  # less than the 60 s margin
    camdx.call("business_info", "1")
    camdx.call("business_info", "2")
    assert len(camdigikey.issued) == 2


def test_a_refused_token_is_forgotten(camdx, security_server, camdigikey):
    security_server.answers = [Answer(401, {"error": "token"}), Answer(200)]
    with pytest.raises(errors.ProviderResponseError):
        camdx.call("business_info", "1")
    camdx.call("business_info", "1")
    assert len(camdigikey.issued) == 2


def test_no_organization_token_no_call(camdx, security_server, camdigikey):
    camdigikey.error = TransportError()
    with pytest.raises(errors.OrganizationTokenError, match="transport_error"):
        camdx.call("business_info", "1")
    assert security_server.seen == []


def test_exp_is_read_without_trusting_the_token():
    assert org_token.expires_at(jwt(1_900_000_000)) == 1_900_000_000
    assert org_token.expires_at("not-a-jwt") is None
    assert org_token.expires_at("a.e30.c") is None  # {} : no exp


def test_the_user_id_is_the_person_acting_in_the_request():
    applicant = User.objects.create_user(username="applicant", camdigikey_id="aaaa-1111")
    officer = User.objects.create_user(username="officer", camdigikey_id="bbbb-2222")
    assert acting_user_id(applicant) == "KHaaaa-1111"  # no request: the subject
    token = request_context.set_context(request_context.RequestContext(actor_id=officer.pk))
    try:
        assert acting_user_id(applicant) == "KHbbbb-2222"  # the officer looking at the applicant's data
        assert acting_user_id(None) == "KHbbbb-2222"
    finally:
        request_context.reset_context(token)
    token = request_context.set_context(request_context.RequestContext(actor_id=applicant.pk))
    try:
        assert acting_user_id(applicant) == "KHaaaa-1111"
    finally:
        request_context.reset_context(token)
