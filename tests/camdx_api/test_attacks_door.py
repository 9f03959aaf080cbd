"""Adversarial checks of the Part 5 door (camdx_api): what an outsider or a registered consumer could do to
get in, to escape the limits or to leave no trace."""

from __future__ import annotations

import time

import pytest

from accounts.camdigikey import errors as cdk
from accounts.camdigikey.client import TokenStatus
from camdx_api.models import ApiCall
from tests.camdx_api.conftest import DOOR, MOC_DOMAIN, MOC_XROAD, bearer, fake_token

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.camdx_api.door_urls")]


def test_rotating_the_xroad_client_does_not_escape_the_refused_token_limit(
    client, consumer, camdigikey, settings
):
    # A direct caller picks any X-Road-Client it likes: an unregistered member must not buy a fresh bucket,
    # or every forged token costs a CamDigiKey check again.
    settings.ESB_THROTTLE_RATES = {"api-token-failure": "3/m"}
    answers = [
        client.get(
            DOOR,
            **bearer(camdigikey.failing(cdk.InvalidTokenSignature())),
            HTTP_X_ROAD_CLIENT=f"CAMBODIA/GOV/FAKE-{n}/X",
        ).status_code
        for n in range(8)
    ]
    assert answers[:3] == [401, 401, 401]
    assert set(answers[3:]) == {429}
    assert len(camdigikey.calls) == 3


def test_a_registered_member_keeps_its_own_refused_token_bucket(client, consumer, camdigikey, settings):
    settings.ESB_THROTTLE_RATES = {"api-token-failure": "2/m"}
    for n in range(3):
        client.get(DOOR, **bearer(fake_token()), HTTP_X_ROAD_CLIENT=f"CAMBODIA/GOV/FAKE-{n}/X")
    assert client.get(DOOR, **bearer(camdigikey.valid()), HTTP_X_ROAD_CLIENT=MOC_XROAD).status_code == 200


@pytest.mark.parametrize("header", ["HTTP_X_ROAD_USERID", "HTTP_X_ROAD_ISSUE", "HTTP_X_ROAD_ID"])
def test_control_characters_in_xroad_headers_cannot_keep_a_call_out_of_the_log(
    client, consumer, camdigikey, header
):
    response = client.get(DOOR, **bearer(camdigikey.valid()), **{header: "KH01\x00\x1b[2J\r\nforged"})
    assert response.status_code == 200
    call = ApiCall.objects.get()
    assert call.consumer == consumer
    stored = {
        "HTTP_X_ROAD_USERID": call.xroad_userid,
        "HTTP_X_ROAD_ISSUE": call.xroad_issue,
        "HTTP_X_ROAD_ID": call.xroad_id,
    }[header]
    assert stored.startswith("KH01") and "forged" in stored
    assert not any(ord(char) < 32 or ord(char) == 127 for char in stored)


def test_a_refused_call_with_a_nul_in_its_headers_is_logged_too(client, consumer, camdigikey):
    response = client.get(DOOR, HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/X\x00/Y", HTTP_X_ROAD_USERID="\x00")
    assert response.status_code == 401
    assert ApiCall.objects.get().outcome == "missing_token"


def test_oversized_xroad_headers_are_cut_to_the_column(client, consumer, camdigikey):
    response = client.get(DOOR, **bearer(camdigikey.valid()), HTTP_X_ROAD_ISSUE="A" * 100_000)
    assert response.status_code == 200
    assert len(ApiCall.objects.get().xroad_issue) == 255


def test_deactivation_is_effective_at_the_next_call_despite_the_cached_token(client, consumer, camdigikey):
    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    consumer.is_active = False
    consumer.save()
    assert client.get(DOOR, **bearer(token)).status_code == 401
    consumer.is_active = True
    consumer.allowed_service_codes = []
    consumer.save()
    assert client.get(DOOR, **bearer(token)).status_code == 403
    assert len(camdigikey.calls) == 1  # token status cached; each save dropped the cached consumer row


def test_a_token_not_valid_yet_is_refused(client, consumer, camdigikey, monkeypatch):
    token = fake_token(domain=MOC_DOMAIN)

    def status(access_token: str) -> TokenStatus:
        now = int(time.time())
        payload = {
            "type": "ORGANIZATION",
            "domain": MOC_DOMAIN,
            "jti": "j-1",
            "nbf": now + 3600,
            "exp": now + 7200,
        }
        return TokenStatus(valid=True, payload=payload, domain=MOC_DOMAIN)

    monkeypatch.setattr(camdigikey, "validate_organization_token", status)
    response = client.get(DOOR, **bearer(token))
    assert response.status_code == 401
    assert "not valid yet" in response.json()["message"]
    assert client.get(DOOR, **bearer(token)).status_code == 401  # and not cached as valid


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer a.b.c, Bearer d.e.f",  # a repeated header, joined by the server
        "Bearer  " + "A" * 20_000 + ".b.c",
        "Basic dXNlcjpwYXNz",
        "Bearer a.b.c\r\nX-Injected: 1",
    ],
)
def test_odd_authorization_headers_are_refused_without_asking_camdigikey(
    client, consumer, camdigikey, authorization
):
    response = client.get(DOOR, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert "X-Injected" not in response
    assert camdigikey.calls == []


def test_a_flood_of_throttled_anonymous_calls_writes_one_log_row_per_window(
    client, consumer, camdigikey, settings
):
    settings.ESB_THROTTLE_RATES = {"api-token-failure": "2/m"}
    for _ in range(2):
        client.get(DOOR, **bearer(fake_token()))
    for _ in range(20):
        assert client.get(DOOR, **bearer(fake_token())).status_code == 429
    assert ApiCall.objects.filter(outcome="rate_limited").count() == 1
    assert ApiCall.objects.count() == 3


def test_the_request_context_keeps_no_control_characters_of_xroad_headers(rf):
    from django.http import HttpResponse

    from esb import request_context
    from esb.middleware import RequestContextMiddleware

    seen = {}

    def view(request):
        context = request_context.current()
        seen.update(client=context.xroad_client, id=context.xroad_id)
        return HttpResponse()

    request = rf.get("/", HTTP_X_ROAD_CLIENT="CAMBODIA/GOV/X\x00/Y\r\n" + "Z" * 400, HTTP_X_ROAD_ID="id\x1b1")
    RequestContextMiddleware(view)(request)
    assert seen["client"] == "CAMBODIA/GOV/X/Y" + "Z" * (255 - 16)
    assert seen["id"] == "id1"


@pytest.mark.parametrize(
    "override",
    [
        {"authentication_classes": []},
        {"authentication_classes": ["rest_framework.authentication.SessionAuthentication"]},
        {"permission_classes": []},
        {"throttle_classes": []},
    ],
)
def test_a_part5_view_cannot_drop_the_door_and_keep_its_marker(override):
    from rest_framework.authentication import SessionAuthentication

    from camdx_api.authentication import OrganizationTokenAuthentication
    from camdx_api.base import Part5View

    if override.get("authentication_classes"):
        override = {"authentication_classes": [SessionAuthentication, OrganizationTokenAuthentication]}
    view_class = type("Open", (Part5View,), {"service_code": "application_info", **override})
    with pytest.raises(TypeError):
        view_class.as_view()


def test_every_view_marked_organization_token_is_a_part5_view_behind_the_door():
    from django.urls import get_resolver

    from camdx_api.authentication import OrganizationTokenAuthentication
    from camdx_api.base import Part5View
    from camdx_api.permissions import ServiceCodeAllowed
    from esb.access import ORGANIZATION_TOKEN

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield pattern.callback

    marked = [
        view
        for view in views(get_resolver("esb.urls").url_patterns)
        if getattr(view, "esb_access", None) == ORGANIZATION_TOKEN
    ]
    for view in marked:
        view_class = getattr(view, "view_class", None)
        assert view_class is not None and issubclass(view_class, Part5View), view
        assert list(view_class.authentication_classes) == [OrganizationTokenAuthentication], view_class
        assert ServiceCodeAllowed in view_class.permission_classes, view_class
        assert view_class.service_code, view_class


def test_a_consumer_with_a_recently_accepted_token_is_not_locked_out_by_others_failures(
    client, make_consumer, camdigikey, settings
):
    # Behind our security server every call has the same address; members without a registered consumer
    # share one refused-token count there. A consumer whose token CamDigiKey just accepted is not held by it.
    settings.ESB_THROTTLE_RATES = {"api-token-failure": "2/m"}
    make_consumer(xroad_client="")
    token = camdigikey.valid()
    member = "CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING"
    assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=member).status_code == 200
    stranger = "CAMBODIA/GOV/MEF-2020-0001/FMIS"
    for _ in range(2):
        client.get(DOOR, **bearer(fake_token()), HTTP_X_ROAD_CLIENT=stranger)
    assert client.get(DOOR, **bearer(fake_token()), HTTP_X_ROAD_CLIENT=stranger).status_code == 429
    assert client.get(DOOR, **bearer(token), HTTP_X_ROAD_CLIENT=member).status_code == 200
    assert client.get(DOOR, **bearer(camdigikey.valid()), HTTP_X_ROAD_CLIENT=member).status_code == 429


def test_the_consumer_row_is_cached_until_it_is_saved(client, consumer, camdigikey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = camdigikey.valid()
    assert client.get(DOOR, **bearer(token)).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DOOR, **bearer(token)).status_code == 200
    assert not [q for q in captured.captured_queries if "camdx_api_apiconsumer" in q["sql"]]
    consumer.camdigikey_domain = "other.moc.gov.kh"  # the old domain's entry goes with the change
    consumer.save()
    assert client.get(DOOR, **bearer(token)).status_code == 401


def test_a_row_read_before_a_deactivation_is_never_served_after_it(consumer):
    """The race a cache of the consumer row invites: a call reads the row, the back-office deactivates the
    consumer and the save commits (dropping the entry), then the slow call stores what it read. The entry
    carries the generation read before the row, which the save has moved on: it is never used."""
    from django.core.cache import cache

    from camdx_api import services

    assert services.consumer_by_domain(consumer.camdigikey_domain).is_active
    generation_key = services._generation_key(consumer.camdigikey_domain)
    generation_seen_by_the_slow_call = cache.get(generation_key, 0)
    old_row = {name: getattr(consumer, name) for name in services._CONSUMER_FIELDS}

    consumer.is_active = False
    consumer.save()
    cache.set(  # the slow call stores what it read
        services._consumer_key(consumer.camdigikey_domain),
        {"generation": generation_seen_by_the_slow_call, "row": old_row},
        services.CONSUMER_TTL,
    )

    assert services.consumer_by_domain(consumer.camdigikey_domain).is_active is False
