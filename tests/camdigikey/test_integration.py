"""The client against the simulator over real HTTP (pytest-django's live_server): the whole login, tokens,
lookups, the signer chain and its cache, and every refusal as the right typed error."""

from __future__ import annotations

import datetime
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.camdigikey import errors
from accounts.camdigikey.client import CamDigiKeyClient, chain_cache_key, get_client
from esb.models import OutgoingRequest
from sandbox.camdigikey import crypto as server
from sandbox.camdigikey import demo
from sandbox.camdigikey.keys import signing_material
from sandbox.camdigikey.models import DemoIdentity, IssuedToken
from sandbox.camdigikey.testing import approve_login, cancel_login, query_param
from tests.camdigikey.conftest import client as make_client
from tests.camdigikey.conftest import make_cert, new_key

REGISTRY_PERSON = "010234567"  # Sok Dara in demo_data/people.yaml


def moc_client(base_url: str) -> CamDigiKeyClient:
    """The organization client of the Part 5 API callers (another system, its own credentials)."""
    values = demo.MOC_API_CLIENT
    return make_client(
        base_url=base_url,
        client_id=values["client_id"],
        domain=values["domain"],
        hmac_key=values["hmac_key"],
        aes_secret_key=values["aes_secret_key"],
        aes_iv=values["aes_iv"],
    )


def login_as(personal_code: str, cdk: CamDigiKeyClient | None = None, **login_options) -> str:
    cdk = cdk or get_client()
    login = cdk.get_login_token(**login_options)
    return query_param(approve_login(login.login_url, personal_code), "authToken")


def user_token(personal_code: str = REGISTRY_PERSON) -> str:
    cdk = get_client()
    return cdk.get_user_access_token(login_as(personal_code, cdk))


def test_the_whole_user_login(live_sandbox):
    cdk = get_client()
    login = cdk.get_login_token(callback_vars={"next": "/applications/", "state": "s-123"})
    assert login.login_url.startswith(live_sandbox + "/auth/login?token=")

    callback = approve_login(login.login_url, REGISTRY_PERSON)
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        f"{settings.ESB_PUBLIC_BASE_URL}/accounts/camdigikey/callback/"
    )
    query = parse_qs(parts.query)
    assert query["next"] == ["/applications/"] and query["state"] == ["s-123"]  # callbackVars echoed

    access_token = cdk.get_user_access_token(query["authToken"][0])
    profile = cdk.validate_user_token(access_token)

    row = next(r for r in demo.registry_people() if r["identity_number"] == REGISTRY_PERSON)
    assert profile.personal_code == REGISTRY_PERSON
    assert (profile.first_name_en, profile.last_name_en) == (row["first_name_en"], row["last_name_en"])
    assert (profile.first_name_kh, profile.last_name_kh) == (row["first_name_km"], row["last_name_km"])
    assert profile.gender == "M" and profile.dob == str(row["date_of_birth"])
    assert profile.mobile_phone == row["phone"] and profile.nationality == row["nationality"]
    assert profile.email.endswith("@example.com")
    assert profile.camdigikey_id == DemoIdentity.objects.get(personal_code=REGISTRY_PERSON).camdigikey_id
    assert profile.claims["iss"] == "CamDX-CamDigiKey" and profile.claims["type"] == "USER"
    assert profile.exp - timezone.now().timestamp() == pytest.approx(30 * 60, abs=60)
    assert profile.jti == IssuedToken.objects.get(type="USER").jti

    status = cdk.token_status(access_token)
    assert status.valid and status.domain == settings.CAMDIGIKEY["DOMAIN"]


def test_a_success_return_url_replaces_the_registered_callback(live_sandbox, live_server):
    target = f"{live_server.url}/somewhere/else/?keep=1"
    login = get_client().get_login_token(success_return_url=target)
    callback = approve_login(login.login_url, "OFF-MOC-001")
    assert callback.startswith(f"{live_server.url}/somewhere/else/?keep=1&authToken=")


def test_refresh_disables_the_old_token_and_logout_the_new_one(live_sandbox):
    cdk = get_client()
    first = user_token("OFF-MOT-001")
    second = cdk.refresh_user_access_token(first)
    assert second != first
    assert cdk.token_status(first).valid is False
    with pytest.raises(errors.DisabledAccessToken):
        cdk.validate_user_token(first)
    assert cdk.validate_user_token(second).personal_code == "OFF-MOT-001"

    cdk.logout_access_token(second)
    assert cdk.token_status(second).valid is False
    with pytest.raises(errors.DisabledAccessToken) as caught:
        cdk.validate_user_token(second)
    assert caught.value.code == 104


def test_an_auth_token_is_single_use(live_sandbox):
    cdk = get_client()
    auth_token = login_as(REGISTRY_PERSON, cdk)
    cdk.get_user_access_token(auth_token)
    with pytest.raises(errors.DisabledAccessToken):
        cdk.get_user_access_token(auth_token)


def test_an_expired_auth_token_is_refused(live_sandbox):
    from sandbox.camdigikey.models import AuthCode

    cdk = get_client()
    auth_token = login_as(REGISTRY_PERSON, cdk)
    AuthCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(errors.ExpiredAccessToken):
        cdk.get_user_access_token(auth_token)


def test_a_login_token_is_single_use_and_cancel_goes_to_the_error_callback(live_sandbox):
    login = get_client().get_login_token()
    approve_login(login.login_url, REGISTRY_PERSON)
    again = requests.get(login.login_url, timeout=10)
    assert again.status_code == 410
    assert 'data-problem="used"' in again.text

    other = get_client().get_login_token()
    error_callback = cancel_login(other.login_url)
    assert error_callback.startswith(f"{settings.ESB_PUBLIC_BASE_URL}/accounts/camdigikey/error/?")
    assert query_param(error_callback, "errorCode") == "USER_CANCELLED"
    assert query_param(error_callback, "errorMessage")


def test_organization_tokens_are_validated_and_refused_after_logout(live_sandbox):
    portal = get_client()
    moc = moc_client(live_sandbox)
    org_token = moc.get_organization_access_token()

    status = portal.validate_organization_token(org_token)  # another system's token, checked by the portal
    assert status.valid and status.domain == "api.moc.gov.kh"
    assert status.payload["type"] == "ORGANIZATION" and status.payload["jti"]
    assert status.payload["exp"] - status.payload["iat"] == 60 * 60

    moc.logout_access_token(org_token)
    with pytest.raises(errors.DisabledAccessToken):
        portal.validate_organization_token(org_token)


def test_a_token_of_the_wrong_type_is_refused(live_sandbox):
    cdk = get_client()
    with pytest.raises(errors.InvalidAccessTokenType) as caught:
        cdk.validate_user_token(cdk.get_organization_access_token())
    assert caught.value.code == 106
    with pytest.raises(errors.InvalidAccessTokenType):
        cdk.validate_organization_token(user_token())


def test_a_user_token_issued_to_another_domain_is_refused(live_sandbox, live_server):
    moc = moc_client(live_sandbox)
    auth_token = login_as(REGISTRY_PERSON, moc, success_return_url=f"{live_server.url}/moc/callback")
    moc_user_token = moc.get_user_access_token(auth_token)
    assert moc.token_status(moc_user_token).domain == "api.moc.gov.kh"
    with pytest.raises(errors.InvalidClientDomain) as caught:
        get_client().validate_user_token(moc_user_token)
    assert caught.value.code == 102


def _issued_token(token_type: str, lifetime: int) -> str:
    identity = DemoIdentity.objects.get(personal_code=REGISTRY_PERSON)
    claims = server.base_claims(token_type, lifetime, domain=settings.CAMDIGIKEY["DOMAIN"])
    from sandbox.camdigikey.models import ClientApp

    IssuedToken.objects.create(
        jti=claims["jti"],
        type=token_type,
        client=ClientApp.objects.get(client_id=settings.CAMDIGIKEY["CLIENT_ID"]),
        identity=identity if token_type == "USER" else None,
        domain=claims["domain"],
        issued_at=timezone.now(),
        expires_at=datetime.datetime.fromtimestamp(claims["exp"], tz=datetime.UTC),
    )
    return server.sign_token(claims)


def test_an_expired_token_is_refused(live_sandbox):
    with pytest.raises(errors.ExpiredAccessToken) as caught:
        get_client().validate_user_token(_issued_token("USER", -5))
    assert caught.value.code == 103
    with pytest.raises(errors.ExpiredAccessToken):
        get_client().validate_organization_token(_issued_token("ORGANIZATION", -5))


def test_a_tampered_or_forged_token_never_reaches_the_server(live_sandbox):
    cdk = get_client()
    token = user_token()
    header, payload, sig = token.split(".")
    forged_claims = server.base_claims("USER", 600, domain=settings.CAMDIGIKEY["DOMAIN"], personal_code="X")
    import base64
    import json

    forged_payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    before = OutgoingRequest.objects.filter(operation="access-token/status").count()
    for bad in (f"{header}.{forged_payload}.{sig}", f"{header}.{payload}.{sig[:-20]}", f"{header}.{payload}"):
        with pytest.raises(errors.InvalidTokenSignature):
            cdk.validate_user_token(bad)
    assert OutgoingRequest.objects.filter(operation="access-token/status").count() == before


def test_lookups_by_personal_code(live_sandbox):
    cdk = get_client()
    org_token = cdk.get_organization_access_token()
    profile = cdk.lookup_user_profile(org_token, "OFF-SYS-001")
    assert (profile["given_name_en"], profile["surname_en"]) == ("Vibol", "Keo")
    assert profile["personal_code"] == "OFF-SYS-001" and profile["account_token"]
    verified = cdk.verify_account_token(profile["account_token"])
    assert verified["user_status"] == 1 and verified["camdigikey_id"] == profile["camdigikey_id"]
    with pytest.raises(errors.ServerError) as caught:
        cdk.lookup_user_profile(org_token, "NO-SUCH-PERSON")
    assert caught.value.code == 404


@pytest.mark.parametrize("wrong", ["hmac_key", "aes_secret_key"])
def test_a_client_with_wrong_keys_gets_decrypt_payload_errors(live_sandbox, wrong):
    other = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktMzI="  # 32 bytes, not the registered key
    with pytest.raises(errors.DecryptPayloadError) as caught:
        make_client(base_url=live_sandbox, **{wrong: other}).get_organization_access_token()
    assert caught.value.code == 105


def test_a_request_tampered_in_transit_is_refused_by_the_server(live_sandbox, monkeypatch):
    cdk = get_client()
    original = cdk._envelope.wrap

    def tampered(payload):
        body = original(payload)
        return {**body, "params": body["params"][:-8] + "AAAAAAA="}

    monkeypatch.setattr(cdk._envelope, "wrap", tampered)
    with pytest.raises(errors.DecryptPayloadError):
        cdk.get_organization_access_token()
    row = OutgoingRequest.objects.filter(operation="organization-access-token").latest("id")
    assert row.status_code == 400 and row.outcome == "error" and row.error_code == "105"


def test_an_unknown_client_is_refused(live_sandbox):
    with pytest.raises(errors.ServerError) as caught:
        make_client(base_url=live_sandbox, client_id="nobody").get_organization_access_token()
    assert caught.value.code == 401


def test_the_signer_chain_is_fetched_once_and_cached_until_the_leaf_expires(live_sandbox):
    token = user_token()
    for _ in range(3):
        get_client().validate_user_token(token)  # a new client each time: the cache is shared
    assert OutgoingRequest.objects.filter(operation="certificates/access-token").count() == 1
    cached = cache.get(chain_cache_key(live_sandbox))
    assert cached["pems"] == signing_material().chain_pems()


def test_a_stale_cached_chain_is_replaced_when_a_token_does_not_verify(live_sandbox, pki):
    # e.g. CamDigiKey rotated its signer: the cached chain (here: another CA's) no longer verifies tokens
    stale = [c.public_bytes(serialization.Encoding.PEM).decode() for c in (pki.leaf, pki.root)]
    cache.set(chain_cache_key(live_sandbox), {"pems": stale, "fetched_at": 0}, 600)
    assert get_client().validate_user_token(user_token()).personal_code == REGISTRY_PERSON
    assert cache.get(chain_cache_key(live_sandbox))["pems"] == signing_material().chain_pems()


def test_the_chain_is_checked_against_the_configured_trust_store(live_sandbox, settings, tmp_path):
    token = user_token()
    good = tmp_path / "camdigikey-root.pem"
    good.write_bytes(signing_material().root_cert.public_bytes(serialization.Encoding.PEM))
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "CA_BUNDLE": str(good)}
    assert get_client().validate_user_token(token).personal_code == REGISTRY_PERSON

    other = tmp_path / "other-root.pem"
    other.write_bytes(make_cert("Other", new_key(), ca=True).public_bytes(serialization.Encoding.PEM))
    settings.CAMDIGIKEY = {**settings.CAMDIGIKEY, "CA_BUNDLE": str(other)}
    with pytest.raises(errors.InvalidCertificateChain) as caught:
        get_client().validate_user_token(token)
    assert caught.value.code == 100


def test_every_call_is_logged_without_secrets(live_sandbox, caplog):
    caplog.set_level(logging.INFO)
    cdk = get_client()
    auth_token = login_as(REGISTRY_PERSON, cdk)
    access_token = cdk.get_user_access_token(auth_token)
    cdk.validate_user_token(access_token)
    cdk.logout_access_token(access_token)

    rows = list(OutgoingRequest.objects.order_by("id"))
    assert [r.operation for r in rows] == [
        "login-token",
        "certificates/access-token",
        "access-token",
        "access-token/status",
        "access-token/logout",
    ]
    secrets = [
        auth_token,
        access_token,
        *(settings.CAMDIGIKEY[k] for k in ("HMAC_KEY", "AES_SECRET_KEY", "AES_IV")),
    ]
    secrets += [access_token.split(".")[1][:40], REGISTRY_PERSON]
    for row in rows:
        assert row.service == "camdigikey" and row.outcome == "ok" and row.status_code == 200
        assert row.url.startswith(live_sandbox + "/api/v3.0/authentication/") and "?" not in row.url
        assert row.duration_ms >= 0
        stored = " ".join(str(getattr(row, f.name)) for f in OutgoingRequest._meta.fields)
        for secret in secrets:
            assert secret not in stored
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith(("esb", "accounts")))
    assert "outgoing camdigikey access-token/status" in logged
    for secret in secrets:
        assert secret not in logged
