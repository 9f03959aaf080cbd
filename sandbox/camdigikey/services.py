"""What the simulated CamDigiKey server does for each v3 operation (dpi-protocols.md §2.5).

Each handler takes the authenticated client app and the decrypted request payload, and returns the `data` of
the answer or raises ProtocolError (the view wraps both in the envelope). Error numbers reuse the client
library's codes (100–107) where one fits; the others follow HTTP (400, 401, 404).

Not audited on purpose: this is the state of a simulated external service, not a portal state change.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone

from sandbox.camdigikey import crypto
from sandbox.camdigikey.models import AuthCode, ClientApp, DemoIdentity, IssuedToken, LoginToken

# Lifetimes [NOT PUBLIC in the real service]; constants so tests and demos can reason about them.
LOGIN_TOKEN_SECONDS = 5 * 60
AUTH_TOKEN_SECONDS = 2 * 60
USER_TOKEN_SECONDS = 30 * 60
ORGANIZATION_TOKEN_SECONDS = 60 * 60
ACCOUNT_TOKEN_SECONDS = 30 * 24 * 60 * 60

LOGIN = "LOGIN"
AUTH = "AUTH"
ACCOUNT = "ACCOUNT"
USER = "USER"
ORGANIZATION = "ORGANIZATION"

# error numbers
INVALID_TOKEN_SIGNATURE = 101
INVALID_CLIENT_DOMAIN = 102
EXPIRED_TOKEN = 103
DISABLED_TOKEN = 104
DECRYPT_PAYLOAD_ERROR = 105
INVALID_TOKEN_TYPE = 106
TOKEN_ID_EMPTY = 107
BAD_REQUEST = 400
UNKNOWN_CLIENT = 401
NOT_FOUND = 404


class ProtocolError(Exception):
    def __init__(self, code: int, message: str, http_status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


def _dt(timestamp: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)


def _string(payload: dict, name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProtocolError(BAD_REQUEST, f"{name} is required")
    return value.strip()


def _check_domain(client: ClientApp, payload: dict) -> None:
    if _string(payload, "domain") != client.domain:
        raise ProtocolError(INVALID_CLIENT_DOMAIN, "domain does not match the client registration")


def _read(token: object, expected_type: str) -> dict:
    try:
        claims = crypto.read_token(token)
    except crypto.TokenError as exc:
        raise ProtocolError(INVALID_TOKEN_SIGNATURE, str(exc), http_status=401) from None
    if not claims.get("jti"):
        raise ProtocolError(TOKEN_ID_EMPTY, "token id is empty")
    if claims.get("type") != expected_type and not (
        expected_type == "ACCESS" and claims.get("type") in (USER, ORGANIZATION)
    ):
        raise ProtocolError(INVALID_TOKEN_TYPE, "wrong token type")
    return claims


def _valid_callback_vars(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= 20
        and all(isinstance(k, str) and isinstance(v, str) and len(v) <= 500 for k, v in value.items())
    )


def _valid_http_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 1000:
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# --- login ------------------------------------------------------------------------------------------------


def create_login_token(client: ClientApp, payload: dict) -> str:
    """getLoginToken: a signed login token (the view turns it into `{loginToken, loginUrl}`)."""
    _check_domain(client, payload)
    callback_vars = payload.get("callbackVars")
    if callback_vars is not None and not _valid_callback_vars(callback_vars):
        raise ProtocolError(BAD_REQUEST, "callbackVars must be an object of at most 20 strings")
    success_return_url = payload.get("successReturnUrl") or ""
    if success_return_url and not _valid_http_url(success_return_url):
        raise ProtocolError(BAD_REQUEST, "successReturnUrl must be an http(s) URL")
    claims = crypto.base_claims(LOGIN, LOGIN_TOKEN_SECONDS, domain=client.domain)
    LoginToken.objects.create(
        jti=claims["jti"],
        client=client,
        expires_at=_dt(claims["exp"]),
        callback_vars=callback_vars or None,
        success_return_url=success_return_url,
    )
    return crypto.sign_token(claims)


@dataclass(frozen=True)
class LoginProblem:
    code: str  # "invalid" | "expired" | "used"


def login_for_token(token: str) -> LoginToken | LoginProblem:
    """The pending login a loginUrl points to, or why it cannot be used."""
    try:
        claims = _read(token, LOGIN)
    except ProtocolError:
        return LoginProblem("invalid")
    login = LoginToken.objects.select_related("client").filter(jti=claims["jti"]).first()
    if login is None or not login.client.is_active:
        return LoginProblem("invalid")
    if login.used_at is not None:
        return LoginProblem("used")
    if login.expires_at <= timezone.now():
        return LoginProblem("expired")
    return login


def _with_query(url: str, params: list[tuple[str, str]]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + params
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


@transaction.atomic
def approve_login(login_id: int, identity: DemoIdentity) -> str | LoginProblem:
    """The person approved in the CamDigiKey app: a single-use authToken, and the success-callback URL."""
    login = LoginToken.objects.select_for_update().select_related("client").get(pk=login_id)
    problem = _unusable(login)
    if problem:
        return problem
    target = login.success_return_url or login.client.success_url
    if not target:
        return LoginProblem("invalid")
    login.used_at = timezone.now()
    login.save(update_fields=["used_at"])
    # The authToken names the login it answers (the login token's jti), so that the portal can refuse a
    # token brought back to a login it was not issued for (a stolen token replayed with another state).
    claims = crypto.base_claims(AUTH, AUTH_TOKEN_SECONDS, domain=login.client.domain, login_jti=login.jti)
    AuthCode.objects.create(
        jti=claims["jti"],
        client=login.client,
        identity=identity,
        login_token=login,
        expires_at=_dt(claims["exp"]),
    )
    params = [(k, v) for k, v in (login.callback_vars or {}).items() if k != "authToken"]
    return _with_query(target, [*params, ("authToken", crypto.sign_token(claims))])


@transaction.atomic
def cancel_login(login_id: int) -> str | LoginProblem:
    """The person refused: the error-callback URL with errorCode and errorMessage."""
    login = LoginToken.objects.select_for_update().select_related("client").get(pk=login_id)
    problem = _unusable(login)
    if problem:
        return problem
    if not login.client.error_url:
        return LoginProblem("invalid")
    login.used_at = timezone.now()
    login.save(update_fields=["used_at"])
    return _with_query(
        login.client.error_url,
        [("errorCode", "USER_CANCELLED"), ("errorMessage", "The user cancelled the login")],
    )


def _unusable(login: LoginToken) -> LoginProblem | None:
    if login.used_at is not None:
        return LoginProblem("used")
    if login.expires_at <= timezone.now():
        return LoginProblem("expired")
    return None


# --- access tokens ----------------------------------------------------------------------------------------


def user_claims(identity: DemoIdentity) -> dict:
    return {
        "camdigikey_id": identity.camdigikey_id,
        "personal_code": identity.personal_code,
        "first_name_en": identity.first_name_en,
        "last_name_en": identity.last_name_en,
        "first_name_kh": identity.first_name_km,
        "last_name_kh": identity.last_name_km,
        "gender": identity.gender,
        "dob": identity.dob.isoformat() if identity.dob else "",
        "mobile_phone": identity.mobile_phone,
        "email": identity.email,
        "nationality": identity.nationality,
    }


def _issue(client: ClientApp, token_type: str, identity: DemoIdentity | None = None) -> str:
    if token_type == USER:
        claims = crypto.base_claims(USER, USER_TOKEN_SECONDS, **user_claims(identity), domain=client.domain)
    else:
        claims = crypto.base_claims(ORGANIZATION, ORGANIZATION_TOKEN_SECONDS, domain=client.domain)
    IssuedToken.objects.create(
        jti=claims["jti"],
        type=token_type,
        client=client,
        identity=identity,
        domain=client.domain,
        issued_at=_dt(claims["iat"]),
        expires_at=_dt(claims["exp"]),
    )
    return crypto.sign_token(claims)


@transaction.atomic
def exchange_auth_token(client: ClientApp, payload: dict) -> dict:
    """getUserAccessToken: the single-use authToken becomes a USER access token."""
    claims = _read(payload.get("authToken"), AUTH)
    code = AuthCode.objects.select_for_update().select_related("identity").filter(jti=claims["jti"]).first()
    if code is None:
        raise ProtocolError(INVALID_TOKEN_SIGNATURE, "unknown auth token", http_status=401)
    if code.client_id != client.pk:
        raise ProtocolError(INVALID_CLIENT_DOMAIN, "the auth token was issued to another client")
    if code.used_at is not None:
        raise ProtocolError(DISABLED_TOKEN, "the auth token was already used")
    if code.expires_at <= timezone.now():
        raise ProtocolError(EXPIRED_TOKEN, "the auth token has expired")
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])
    return {"accessToken": _issue(client, USER, code.identity)}


def organization_token(client: ClientApp, payload: dict) -> dict:
    _check_domain(client, payload)
    token = _issue(client, ORGANIZATION)
    return {"accessToken": token, "created_date": timezone.now().isoformat()}


def _issued(claims: dict) -> IssuedToken:
    issued = IssuedToken.objects.select_related("identity", "client").filter(jti=claims["jti"]).first()
    if issued is None:
        raise ProtocolError(INVALID_TOKEN_SIGNATURE, "unknown access token", http_status=401)
    return issued


def _active(issued: IssuedToken) -> None:
    if issued.revoked_at is not None:
        raise ProtocolError(DISABLED_TOKEN, "the access token is disabled")
    if issued.expires_at <= timezone.now():
        raise ProtocolError(EXPIRED_TOKEN, "the access token has expired")


def token_status(client: ClientApp, payload: dict) -> dict:
    """validateJwt: `status: true` while the token is neither revoked nor expired (any registered client may
    ask, which is how a system checks an organization token presented by another)."""
    token = payload.get("accessToken")
    claims = _read(token, "ACCESS")
    issued = _issued(claims)
    active = issued.revoked_at is None and issued.expires_at > timezone.now()
    answer = {"status": active, "accessToken": token, "jti": issued.jti, "type": issued.type}
    if not active:
        return answer
    answer.update(
        iss=crypto.ISSUER,
        domain=issued.domain,
        iat=claims.get("iat"),
        nbf=claims.get("nbf"),
        exp=claims.get("exp"),
    )
    if issued.identity is not None:
        answer.update(user_claims(issued.identity))
    return answer


@transaction.atomic
def refresh(client: ClientApp, payload: dict) -> dict:
    claims = _read(payload.get("accessToken"), USER)
    issued = _issued(claims)
    if issued.client_id != client.pk:
        raise ProtocolError(INVALID_CLIENT_DOMAIN, "the access token was issued to another client")
    issued = IssuedToken.objects.select_for_update().get(pk=issued.pk)
    _active(issued)
    issued.revoked_at = timezone.now()
    issued.save(update_fields=["revoked_at"])
    token = _issue(client, USER, issued.identity)
    created = timezone.now().isoformat()
    return {"service_account_id": client.client_id, "accessToken": token, "created_date": created}


@transaction.atomic
def logout(client: ClientApp, payload: dict) -> dict:
    claims = _read(payload.get("accessToken"), "ACCESS")
    issued = _issued(claims)
    if issued.client_id != client.pk:
        raise ProtocolError(INVALID_CLIENT_DOMAIN, "the access token was issued to another client")
    IssuedToken.objects.filter(pk=issued.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    return {"accessToken": payload.get("accessToken"), "status": 0, "jwtId": issued.jti}


# --- lookups ------------------------------------------------------------------------------------------------


def lookup(client: ClientApp, payload: dict) -> dict:
    """lookupUserProfile: a person's profile by personal code, for a caller holding an active token."""
    _check_domain(client, payload)
    claims = _read(payload.get("accessToken"), "ACCESS")
    _active(_issued(claims))
    identity = DemoIdentity.objects.filter(personal_code=_string(payload, "personalCode")).first()
    if identity is None:
        raise ProtocolError(NOT_FOUND, "no CamDigiKey account has this personal code", http_status=404)
    account = crypto.base_claims(
        ACCOUNT, ACCOUNT_TOKEN_SECONDS, camdigikey_id=identity.camdigikey_id, domain=client.domain
    )
    return {
        "camdigikey_id": identity.camdigikey_id,
        "account_token": crypto.sign_token(account),
        "expired_date": _dt(account["exp"]).isoformat(),
        **_profile(identity),
    }


def verify_account(client: ClientApp, payload: dict) -> dict:
    """verifyAccountToken: the profile behind an account token this client obtained."""
    _check_domain(client, payload)
    claims = _read(payload.get("accountToken"), ACCOUNT)
    if claims.get("domain") != client.domain:
        raise ProtocolError(INVALID_CLIENT_DOMAIN, "the account token was issued to another client")
    if int(claims.get("exp") or 0) <= timezone.now().timestamp():
        raise ProtocolError(EXPIRED_TOKEN, "the account token has expired")
    identity = DemoIdentity.objects.filter(camdigikey_id=claims.get("camdigikey_id")).first()
    if identity is None:
        raise ProtocolError(NOT_FOUND, "the account no longer exists", http_status=404)
    return {"camdigikey_id": identity.camdigikey_id, "user_status": 1, **_profile(identity)}


def _profile(identity: DemoIdentity) -> dict:
    return {
        "surname_en": identity.last_name_en,
        "given_name_en": identity.first_name_en,
        "surname_kh": identity.last_name_km,
        "given_name_kh": identity.first_name_km,
        "gender": identity.gender,
        "mobile_phone_number": identity.mobile_phone,
        "email_address": identity.email,
        "nationality": identity.nationality,
        "personal_code": identity.personal_code,
    }
