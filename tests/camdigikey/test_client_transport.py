"""The client's error paths, with a fake HTTP transport: every failure becomes a typed error, is logged
as a failed outgoing request, and says nothing secret."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
from django.conf import settings

from accounts.camdigikey import errors
from accounts.camdigikey.client import CamDigiKeyClient, get_client
from accounts.camdigikey.config import CamDigiKeyConfig
from accounts.identity_providers import IdentityProvider, identity_providers
from accounts.services import identity_client
from esb.models import OutgoingRequest
from esb.plugins import PluginNotFound
from sandbox.camdigikey import crypto as server
from tests.camdigikey.conftest import client as make_client
from tests.camdigikey.conftest import fake_transport

pytestmark = pytest.mark.django_db

SECRETS = ("HMAC_KEY", "AES_SECRET_KEY", "AES_IV")


def sealed(answer: dict, status: int = 200):
    keys = settings.CAMDIGIKEY
    body = server.seal_response(answer, keys["HMAC_KEY"], keys["AES_SECRET_KEY"], keys["AES_IV"])
    return status, json.dumps(body)


def assert_nothing_secret(exc: Exception) -> None:
    for name in SECRETS:
        assert settings.CAMDIGIKEY[name] not in str(exc)


@pytest.mark.parametrize(
    ("outcome", "error", "code"),
    [
        (requests.ConnectTimeout("slow"), errors.TransportError, "transport_error"),
        (requests.ReadTimeout("slow"), errors.TransportError, "transport_error"),
        (requests.ConnectionError("refused"), errors.TransportError, "transport_error"),
        (requests.exceptions.SSLError("bad certificate"), errors.TransportError, "transport_error"),
        ((502, "<html>Bad gateway</html>"), errors.TransportError, "transport_error"),
        ((401, json.dumps({"error": 401, "message": "unknown client"})), errors.ServerError, 401),
        ((200, json.dumps({"data": "AAAA", "signature": "AAAA"})), errors.DecryptPayloadError, 105),
        ((200, json.dumps(["a", "list"])), errors.DecryptPayloadError, 105),
        (sealed({"error": 104, "message": "disabled"}, 400), errors.DisabledAccessToken, 104),
        (sealed({"error": 105, "message": "cannot decrypt"}, 400), errors.DecryptPayloadError, 105),
        (sealed({"error": 999, "message": "maintenance"}, 503), errors.ServerError, 999),
        (sealed({"error": 0, "data": {"loginUrl": "x"}}), errors.ServerError, "malformed_response"),
        (sealed({"error": 0, "data": "a string"}), errors.ServerError, "malformed_response"),
        (sealed({"message": "no error field"}), errors.ServerError, 200),
    ],
    ids=[
        "connect-timeout",
        "read-timeout",
        "connection-refused",
        "tls",
        "not-json",
        "plain-error",
        "forged-envelope",
        "not-an-envelope",
        "server-104",
        "server-105",
        "server-other",
        "missing-field",
        "data-not-object",
        "no-error-field",
    ],
)
def test_each_failure_is_a_typed_error_and_a_failed_log_row(outcome, error, code):
    cdk = make_client()
    fake_transport(cdk, lambda request: outcome)
    with pytest.raises(error) as caught:
        cdk.get_login_token()
    assert caught.value.code == code
    assert isinstance(caught.value, errors.CamDigiKeyError)
    assert_nothing_secret(caught.value)
    row = OutgoingRequest.objects.get()
    assert (row.service, row.operation, row.method) == ("camdigikey", "login-token", "POST")
    assert row.outcome == "error"
    assert row.error_class == error.__name__
    assert row.error_code == str(code)


def test_a_successful_call_posts_the_envelope_to_the_v3_path():
    cdk = make_client()
    adapter = fake_transport(
        cdk, lambda request: sealed({"error": 0, "data": {"loginToken": "t", "loginUrl": "u"}})
    )
    login = cdk.get_login_token({"lang": "km", "n": 3}, "https://portal.example/cb")
    assert (login.login_token, login.login_url) == ("t", "u")
    sent = adapter.requests[0]
    assert sent.method == "POST"
    assert (
        sent.url == f"{settings.CAMDIGIKEY['BASE_URL']}/api/v3.0/authentication/service-account/login-token"
    )
    body = json.loads(sent.body)
    assert set(body) == {"clientId", "params", "signature"}
    keys = settings.CAMDIGIKEY
    payload = server.open_request(body, keys["HMAC_KEY"], keys["AES_SECRET_KEY"], keys["AES_IV"])
    assert payload["clientId"] == keys["CLIENT_ID"] and payload["domain"] == keys["DOMAIN"]
    assert payload["callbackVars"] == {"lang": "km", "n": "3"}
    assert payload["successReturnUrl"] == "https://portal.example/cb"
    assert isinstance(payload["requestedDate"], int) and payload["requestedDate"] > 1_600_000_000_000
    row = OutgoingRequest.objects.get()
    assert row.outcome == "ok" and row.status_code == 200 and row.error_code == ""


def test_a_token_is_checked_locally_before_any_call():
    cdk = make_client()
    adapter = fake_transport(cdk, lambda request: (500, "should not be called"))
    with pytest.raises(errors.InvalidTokenSignature):
        cdk.validate_user_token("only.two")
    assert adapter.requests == []


def test_mutual_tls_and_the_trust_store_are_used_when_configured():
    cdk = make_client(
        client_cert="/etc/esb/cdk.crt", client_key="/etc/esb/cdk.key", ca_bundle="/etc/esb/ca.pem"
    )
    assert cdk.http.session.cert == ("/etc/esb/cdk.crt", "/etc/esb/cdk.key")
    assert cdk.http.session.verify == "/etc/esb/ca.pem"
    plain = make_client()
    assert plain.http.session.cert is None and plain.http.session.verify is True


def test_the_timeout_is_passed_to_every_request():
    cdk = make_client(timeout=1.5)
    seen = {}

    class Recording(requests.adapters.BaseAdapter):
        def send(self, request, **kwargs):
            seen["timeout"] = kwargs.get("timeout")
            raise requests.ConnectTimeout("x")

        def close(self):
            pass

    cdk.http.session.mount("http://", Recording())
    cdk.http.session.mount("https://", Recording())
    with pytest.raises(errors.TransportError):
        cdk.get_organization_access_token()
    assert seen["timeout"] == (1.5, 1.5)  # (connect, read): never longer than the configured timeout


def test_the_login_flow_gets_its_client_from_the_identity_provider_registry(settings):
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "CLIENT_ID": "another-client"}
    cdk = identity_client()
    assert isinstance(cdk, CamDigiKeyClient)
    assert cdk.config.client_id == "another-client"  # read at call time, not at import
    assert "camdigikey" in identity_providers.keys() and "camdigikey" in identity_providers  # noqa: SIM118
    with pytest.raises(PluginNotFound, match="known: camdigikey"):
        identity_providers.get("no-such-idp")


def test_clients_of_one_configuration_share_one_pooled_session():
    assert get_client().http is get_client().http
    assert get_client().http.session is identity_client().http.session


def test_another_identity_provider_can_be_plugged_in():
    class MinistryIdP(IdentityProvider):
        def client(self):
            return "a client"

    with identity_providers.override("ministry-idp", MinistryIdP()):
        assert identity_client("ministry-idp") == "a client"
    assert "ministry-idp" not in identity_providers


def test_the_config_repr_hides_the_keys():
    text = repr(CamDigiKeyConfig.from_settings()) + repr(make_client())
    for name in SECRETS:
        assert settings.CAMDIGIKEY[name] not in text
    assert dataclasses.fields(CamDigiKeyConfig)


def test_a_profile_repr_shows_no_personal_data():
    from accounts.camdigikey.client import UserProfile

    profile = UserProfile(
        "cdk-1",
        "010234567",
        "Dara",
        "Sok",
        "ដារ៉ា",
        "សុខ",
        "M",
        "1980-03-14",
        "012 345 678",
        "d@x.kh",
        "KH",
        "j",
        1,
        {},
    )
    for value in ("010234567", "Dara", "ដារ៉ា", "1980-03-14", "012 345 678", "d@x.kh"):
        assert value not in repr(profile)
    assert "cdk-1" in repr(profile)
