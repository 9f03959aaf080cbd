"""The simulator's v3 API: envelope handling, token issuance and state, refusals with the library codes."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography import x509
from django.utils import timezone

from sandbox.camdigikey import crypto, services
from sandbox.camdigikey.models import AuthCode, DemoIdentity, IssuedToken, LoginToken
from tests.sandbox.conftest import API


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def authorize(personal_code: str = "010234567") -> str:
    """A signed authToken for a pending login, as the approve page creates it."""
    login = LoginToken.objects.latest("id")
    url = services.approve_login(login.pk, DemoIdentity.objects.get(personal_code=personal_code))
    return url.split("authToken=")[1]


def user_token(api) -> str:
    api.login_token()
    return api.ok("service-account/access-token", authToken=authorize())["accessToken"]


def test_the_certificate_chain_is_a_leaf_signed_by_the_sandbox_root(client, db):
    response = client.get(API + "certificates/access-token")
    assert response.status_code == 200
    leaf, root = (x509.load_pem_x509_certificate(p.encode()) for p in response.json()["data"])
    leaf.verify_directly_issued_by(root)
    root.verify_directly_issued_by(root)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert client.post(API + "certificates/access-token").status_code == 405


def test_a_login_token_lives_five_minutes_and_points_to_the_login_page(api):
    data = api.login_token(callbackVars={"next": "/x"}, successReturnUrl="http://127.0.0.1:9/cb")
    assert data["loginUrl"].startswith("http://testserver/sandbox/camdigikey/auth/login?token=")
    claims = claims_of(data["loginToken"])
    assert claims["type"] == "LOGIN" and claims["iss"] == "CamDX-CamDigiKey"
    login = LoginToken.objects.get(jti=claims["jti"])
    assert login.callback_vars == {"next": "/x"} and login.success_return_url == "http://127.0.0.1:9/cb"
    assert (login.expires_at - timezone.now()).total_seconds() == pytest.approx(300, abs=5)


def test_a_user_token_carries_the_camdigikey_claims(api):
    token = user_token(api)
    claims = claims_of(token)
    assert claims["iss"] == "CamDX-CamDigiKey" and claims["type"] == "USER"
    assert claims["personal_code"] == "010234567" and claims["domain"] == "esb.localhost"
    for name in ("camdigikey_id", "first_name_en", "last_name_en", "first_name_kh", "last_name_kh", "gender",
                 "dob", "mobile_phone", "email", "nationality", "iat", "nbf", "exp", "jti"):  # fmt: skip
        assert claims[name], name
    assert claims["exp"] - claims["iat"] == services.USER_TOKEN_SECONDS == 30 * 60
    assert AuthCode.objects.get().used_at is not None
    status = api.ok("service-account/access-token/status", accessToken=token)
    assert status["status"] is True and status["jti"] == claims["jti"] and status["dob"] == claims["dob"]


def test_an_organization_token_lives_an_hour(api):
    token = api.ok("service-account/organization-access-token", domain=api.app.domain, requestedDate=1)[
        "accessToken"
    ]
    claims = claims_of(token)
    assert claims["type"] == "ORGANIZATION" and claims["domain"] == api.app.domain
    assert claims["exp"] - claims["iat"] == 60 * 60
    assert "personal_code" not in claims


def test_logout_is_stateful_by_jti(api):
    token = user_token(api)
    data = api.ok("service-account/access-token/logout", accessToken=token)
    assert data["status"] == 0 and data["jwtId"] == claims_of(token)["jti"]
    assert IssuedToken.objects.get(jti=data["jwtId"]).revoked_at is not None
    status = api.ok("service-account/access-token/status", accessToken=token)
    assert status["status"] is False and "personal_code" not in status
    _status, answer = api.call("service-account/refresh-access-token", accessToken=token)
    assert answer["error"] == services.DISABLED_TOKEN


def test_an_expired_token_reports_status_false_and_cannot_be_refreshed(api):
    token = user_token(api)
    IssuedToken.objects.update(expires_at=timezone.now())
    assert api.ok("service-account/access-token/status", accessToken=token)["status"] is False
    _status, answer = api.call("service-account/refresh-access-token", accessToken=token)
    assert answer["error"] == services.EXPIRED_TOKEN


@pytest.mark.parametrize(
    ("path", "payload", "code"),
    [
        ("service-account/login-token", {"domain": "other.example", "requestedDate": 1}, 102),
        ("service-account/login-token", {"domain": "esb.localhost", "callbackVars": ["x"]}, 400),
        ("service-account/login-token", {"domain": "esb.localhost", "callbackVars": {"n": 1}}, 400),
        ("service-account/login-token", {"domain": "esb.localhost", "successReturnUrl": "javascript:x"}, 400),
        ("service-account/access-token", {"authToken": "a.b.c"}, 101),
        ("service-account/access-token", {}, 101),
        ("service-account/access-token/status", {"accessToken": "x.y"}, 101),
        ("service-account/organization-access-token", {"domain": "other.example"}, 102),
        (
            "service-account/lookup",
            {"domain": "esb.localhost", "accessToken": "a.b.c", "personalCode": "1"},
            101,
        ),
    ],
)
def test_bad_requests_are_refused_with_a_code(api, path, payload, code):
    _status, answer = api.call(path, **payload)
    assert answer["error"] == code and answer["data"] is None and answer["message"]


def test_tokens_of_the_wrong_kind_are_refused(api):
    api.login_token()
    login_token = LoginToken.objects.latest("id")
    signed_login = crypto.sign_token(crypto.base_claims("LOGIN", 60, jti=login_token.jti))
    _s, answer = api.call("service-account/access-token", authToken=signed_login)
    assert answer["error"] == services.INVALID_TOKEN_TYPE
    not_issued = crypto.sign_token(crypto.base_claims("USER", 60))  # signed but never issued
    _s, answer = api.call("service-account/access-token/status", accessToken=not_issued)
    assert answer["error"] == services.INVALID_TOKEN_SIGNATURE
    no_jti = crypto.sign_token({**crypto.base_claims("USER", 60), "jti": ""})
    _s, answer = api.call("service-account/access-token/status", accessToken=no_jti)
    assert answer["error"] == services.TOKEN_ID_EMPTY


def test_the_envelope_is_checked_before_anything_else(api, client):
    body = api.envelope.wrap({"clientId": api.app.client_id, "domain": api.app.domain})
    tampered = {**body, "params": body["params"][:-8] + "AAAAAAA="}
    response = api.raw("service-account/login-token", tampered)
    assert response.status_code == 400
    assert api.envelope.unwrap(response.json())["error"] == services.DECRYPT_PAYLOAD_ERROR
    assert not LoginToken.objects.exists()

    # the clientId inside the encrypted payload must be the envelope's
    other_client = api.envelope.wrap({"clientId": "someone-else", "domain": api.app.domain})
    answer = api.envelope.unwrap(api.raw("service-account/login-token", other_client).json())
    assert answer["error"] == 400


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"clientId": "nobody", "params": "x", "signature": "y"}, 401, 401),
        ({"clientId": "esb-portal-dev"}, 400, 400),
        ("not json", 400, 400),
        ([], 400, 400),
    ],
)
def test_requests_without_a_usable_envelope_get_a_plain_error(api, body, status, code):
    response = api.http.post(
        API + "service-account/login-token",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == status
    assert response.json()["error"] == code


def test_the_api_only_accepts_post(client, db):
    assert client.get(API + "service-account/login-token").status_code == 405


def test_lookup_and_account_token_verification(api):
    org = api.ok("service-account/organization-access-token", domain=api.app.domain)["accessToken"]
    found = api.ok("service-account/lookup", domain=api.app.domain, accessToken=org, personalCode="AA2290471")
    assert (found["given_name_en"], found["surname_en"], found["nationality"]) == ("Somchai", "Srisuk", "TH")
    verified = api.ok(
        "service-account/lookup/user-profile", domain=api.app.domain, accountToken=found["account_token"]
    )
    assert verified["user_status"] == 1 and verified["personal_code"] == "AA2290471"
    _s, missing = api.call(
        "service-account/lookup", domain=api.app.domain, accessToken=org, personalCode="none"
    )
    assert missing["error"] == services.NOT_FOUND
