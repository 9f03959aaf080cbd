"""The Part 5 door with a fake CamDigiKey: envelopes, refusals, ACL, limits, the call log."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.camdigikey import errors as cdk
from camdx_api.models import ApiCall
from camdx_api.service_codes import ServiceCode
from tests.camdx_api.conftest import DOOR, MOC_DOMAIN, bearer, fake_token

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.camdx_api.door_urls")]


def _refused(response, reason: str | None) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == 500 and body["data"] is None
    assert body["message"].startswith("Invalid access token")
    header = response["WWW-Authenticate"]
    assert header.startswith("Bearer ")
    if reason:
        assert f'error_description="{reason}"' in header


def test_a_valid_token_opens_the_door_and_the_call_is_logged(client, consumer, camdigikey):
    token = camdigikey.valid()
    response = client.get(
        DOOR + "?secret=1",
        **bearer(token),
        HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING",
        HTTP_X_ROAD_ID="CAMBODIA-6f1c",
        HTTP_X_ROAD_REQUEST_ID="f925",
        HTTP_X_ROAD_USERID="KH010203",
        HTTP_X_ROAD_ISSUE="MOC-2026-000001",
    )
    assert response.status_code == 200
    data = {"consumer": MOC_DOMAIN, "version": "v1"}
    assert response.json() == {"code": 0, "message": "Success", "data": data}
    assert response["API-Version"] == "v1"
    call = ApiCall.objects.get()
    assert call.consumer == consumer and call.status_code == 200 and call.outcome == "ok"
    assert call.service_code == ServiceCode.APPLICATION_INFO and call.method == "GET"
    assert call.path == DOOR  # no query values
    assert (call.xroad_id, call.xroad_request_id, call.xroad_client, call.xroad_userid, call.xroad_issue) == (
        "CAMBODIA-6f1c",
        "f925",
        "CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING",
        "KH010203",
        "MOC-2026-000001",
    )
    assert call.request_id == response["X-Request-ID"]
    assert call.duration_ms >= 0


def test_a_valid_status_is_cached_briefly_and_keyed_without_the_token(client, consumer, camdigikey):
    from django.core.cache import cache

    token = camdigikey.valid()
    for _ in range(3):
        assert client.get(DOOR, **bearer(token)).status_code == 200
    assert len(camdigikey.calls) == 1
    raw = cache._cache.get_client()
    keys = [k.decode() for k in raw.scan_iter(match=cache.make_key("camdx-api:token-status:*"))]
    assert keys and all(token not in key for key in keys)
    assert 0 < raw.ttl(keys[0]) <= 60


def test_missing_token(client, consumer, camdigikey):
    response = client.get(DOOR)
    _refused(response, None)
    assert response["WWW-Authenticate"] == 'Bearer realm="ESB Portal API"'
    assert ApiCall.objects.get().outcome == "missing_token"
    _refused(client.get(DOOR, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), None)
    assert camdigikey.calls == []


@pytest.mark.parametrize("value", ["Bearer not-a-jwt", "Bearer a.b", "Bearer a.b.c d"])
def test_malformed_token(client, consumer, camdigikey, value):
    _refused(client.get(DOOR, HTTP_AUTHORIZATION=value), "malformed_token")
    assert camdigikey.calls == []


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (cdk.InvalidTokenSignature(), "bad_signature"),
        (cdk.ExpiredAccessToken(), "expired_token"),
        (cdk.DisabledAccessToken(), "revoked_token"),
        (cdk.InvalidAccessTokenType(), "wrong_token_type"),
        (cdk.AccessTokenIdEmpty(), "malformed_token"),
    ],
)
def test_refused_tokens(client, consumer, camdigikey, error, reason):
    response = client.get(DOOR, **bearer(camdigikey.failing(error)))
    _refused(response, reason)
    call = ApiCall.objects.get()
    assert call.consumer is None and call.status_code == 401 and call.outcome == reason


def test_unknown_and_inactive_domains_are_refused_alike(client, make_consumer, camdigikey):
    unknown = client.get(DOOR, **bearer(camdigikey.valid("api.unknown.gov.kh")))
    _refused(unknown, "unknown_domain")
    make_consumer(camdigikey_domain="api.mef.gov.kh", is_active=False, xroad_client="")
    inactive = client.get(DOOR, **bearer(camdigikey.valid("api.mef.gov.kh")))
    _refused(inactive, "inactive_consumer")
    assert unknown.json()["message"] == inactive.json()["message"]


def test_the_xroad_client_must_be_the_registered_member(client, consumer, camdigikey):
    token = camdigikey.valid()
    other = client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/MEF-2020-0001/FMIS")
    _refused(other, "xroad_client_mismatch")
    # another subsystem of the same member, percent-encoded parts, the last of repeated headers: accepted
    for header in (
        "CAMBODIA/GOV/MOC-2021-0001/OTHER_SYSTEM",
        "CAMBODIA/GOV/MOC%2D2021%2D0001/MOC_LICENSING",
        "CAMBODIA/GOV/MEF-2020-0001/FMIS, CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING",
    ):
        assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=header).status_code == 200, header
    # a direct call (no CamDX) carries no X-Road-Client: the token alone decides
    assert client.get(DOOR, **bearer(token)).status_code == 200


def test_a_consumer_without_registered_subsystem_accepts_any_xroad_client(client, make_consumer, camdigikey):
    make_consumer(xroad_client="")
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/X/Y").status_code == 200


def test_a_service_outside_the_acl_is_forbidden(client, make_consumer, camdigikey):
    make_consumer(allowed_service_codes=[ServiceCode.APPLICATION_INFO])
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    response = client.get("/api/v1/statistic/", **bearer(token))
    assert response.status_code == 403
    assert response.json()["code"] == 403 and "application_statistic" in response.json()["message"]
    call = ApiCall.objects.filter(status_code=403).get()
    assert call.outcome == "service_not_allowed" and call.consumer is not None


def test_the_consumer_rate_limit_answers_429_with_retry_after(client, make_consumer, camdigikey):
    make_consumer(rate_limit_per_minute=2)
    token = camdigikey.valid()
    statuses = [client.get(DOOR, **bearer(token)).status_code for _ in range(2)]
    response = client.get(DOOR, **bearer(token))
    assert statuses == [200, 200] and response.status_code == 429
    assert response.json()["code"] == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert ApiCall.objects.filter(outcome="rate_limited").count() == 1


def test_an_address_sending_refused_tokens_is_throttled_without_asking_camdigikey(
    client, consumer, camdigikey, settings
):
    settings.ESB_THROTTLE_RATES = {"api-token-failure": "3/m"}
    for _ in range(3):
        _refused(client.get(DOOR, **bearer(camdigikey.failing(cdk.InvalidTokenSignature()))), "bad_signature")
    asked = len(camdigikey.calls)
    response = client.get(DOOR, **bearer(camdigikey.valid()))
    assert response.status_code == 429 and "Retry-After" in response
    assert len(camdigikey.calls) == asked


@pytest.mark.parametrize(
    "error",
    [
        cdk.TransportError(),
        cdk.ServerError(code=500),
        cdk.DecryptPayloadError(),
        cdk.InvalidCertificateChain(),
    ],
)
def test_camdigikey_unavailable_answers_503(client, consumer, camdigikey, error):
    response = client.get(DOOR, **bearer(camdigikey.failing(error)))
    assert response.status_code == 503
    assert response.json()["code"] == 503 and "CamDigiKey" in response.json()["message"]
    assert response["Retry-After"]
    assert ApiCall.objects.get().outcome == "identity_service_unavailable"


def test_not_found_and_bad_request_envelopes(client, consumer, camdigikey):
    token = camdigikey.valid()
    missing = client.get("/api/v1/missing/B-1/?size=5", **bearer(token))
    assert missing.status_code == 404
    assert missing.json() == {"code": 400, "message": "No business B-1.", "data": None}
    bad = client.get("/api/v1/missing/B-1/?size=0", **bearer(token))
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == 400 and "size" in body["errors"]


def test_an_unexpected_error_is_a_generic_500_without_trace(client, consumer, camdigikey, caplog):
    response = client.get("/api/v1/broken/", **bearer(camdigikey.valid()))
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == 500 and body["data"] is None
    assert "secret" not in response.content.decode() and "Traceback" not in response.content.decode()
    assert response["X-Request-ID"] in body["message"]
    assert "secret internal detail" in caplog.text  # the trace is in the server log
    assert ApiCall.objects.get().outcome == "internal_error"


def test_the_status_envelope_of_endpoint_one(client, consumer, camdigikey):
    token = camdigikey.valid()
    ok = client.get("/api/v1/list/", **bearer(token)).json()
    assert ok["status"] == 1 and ok["message"] == "Success"
    assert ok["data"] == [{"request_no": "MOC-2026-000001"}] and ok["pagination"]["total_counts"] == 1
    invalid = client.get("/api/v1/list/", **bearer(fake_token()))
    assert invalid.status_code == 401 and invalid.json()["status"] == -1 and invalid.json()["data"] == []
    missing = client.get("/api/v1/list/?search_term=nothing", **bearer(token))
    assert missing.status_code == 404 and missing.json()["status"] == 0


def test_only_get_and_an_allowed_version(client, consumer, camdigikey):
    token = camdigikey.valid()
    post = client.post(DOOR, {}, **bearer(token))
    assert post.status_code == 405 and post.json()["code"] == 405
    wrong_version = client.get("/api/v9/door/", **bearer(token))
    assert wrong_version.status_code == 404 and wrong_version.json()["code"] == 400


def test_the_call_log_is_append_only(client, consumer, camdigikey):
    client.get(DOOR, **bearer(camdigikey.valid()))
    call = ApiCall.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiCall.objects.filter(pk=call.pk).update(status_code=500)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiCall.objects.filter(pk=call.pk).delete()
