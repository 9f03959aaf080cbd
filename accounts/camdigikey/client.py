"""CamDigiKey v3 client: the real client-library protocol (dpi-protocols.md §2.4–2.7), in Python.

Every call is a POST of the envelope `{clientId, params, signature}` to `BASE_URL/api/v3.0/authentication/…`;
the decrypted answer is `{error, message, data}` and `error != 0` raises a typed error. Tokens (authToken
and every accessToken) are checked locally against the signer certificate before they are sent; the
token-status API stays the authoritative check. The same code talks to the sandbox simulator and to the
real service: only `BASE_URL` and the credentials differ (docs/camdigikey.md).

Called from services and tasks only (DESIGN.md §3); every call is timed and logged in `esb.outgoing`.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from cryptography import x509
from django.core.cache import cache

from accounts.camdigikey import certificates, signature
from accounts.camdigikey.config import CamDigiKeyConfig
from accounts.camdigikey.envelope import Envelope
from accounts.camdigikey.errors import (
    BY_CODE,
    AccessTokenIdEmpty,
    CamDigiKeyError,
    DecryptPayloadError,
    DisabledAccessToken,
    ExpiredAccessToken,
    InvalidAccessTokenType,
    InvalidCertificateChain,
    InvalidClientDomain,
    InvalidTokenSignature,
    ServerError,
    TransportError,
)
from esb import http, outgoing

logger = logging.getLogger(__name__)

SERVICE = "camdigikey"
API_PREFIX = "/api/v3.0/authentication"
CERTIFICATE_PATH = "certificates/access-token"
LOGIN_TOKEN_PATH = "service-account/login-token"  # noqa: S105 (a URL path)
ACCESS_TOKEN_PATH = "service-account/access-token"  # noqa: S105 (a URL path)
ACCESS_TOKEN_STATUS_PATH = "service-account/access-token/status"  # noqa: S105 (a URL path)
REFRESH_ACCESS_TOKEN_PATH = "service-account/refresh-access-token"  # noqa: S105 (a URL path)
ORGANIZATION_ACCESS_TOKEN_PATH = "service-account/organization-access-token"  # noqa: S105 (a URL path)
LOGOUT_ACCESS_TOKEN_PATH = "service-account/access-token/logout"  # noqa: S105 (a URL path)
LOOKUP_PATH = "service-account/lookup"
VERIFY_ACCOUNT_TOKEN_PATH = "service-account/lookup/user-profile"  # noqa: S105 (a URL path)

USER = "USER"
ORGANIZATION = "ORGANIZATION"
# A token that fails with a cached chain triggers one re-fetch (the signer may have rotated), at most
# this often, so that a stream of forged tokens cannot turn into a stream of certificate downloads.
CHAIN_REFETCH_INTERVAL = 60
CHAIN_CACHE_VERSION = 1


@dataclass(frozen=True)
class LoginToken:
    login_token: str
    login_url: str
    # The id (jti) of this login; the authToken of its success callback names it (`login_jti` claim).
    login_id: str = ""


@dataclass(frozen=True)
class UserProfile:
    """The person behind a validated USER access token. Its repr shows no personal data (safe to log)."""

    camdigikey_id: str
    personal_code: str = field(repr=False)
    first_name_en: str = field(repr=False)
    last_name_en: str = field(repr=False)
    first_name_kh: str = field(repr=False)
    last_name_kh: str = field(repr=False)
    gender: str = field(repr=False)  # "M" / "F"
    dob: str = field(repr=False)  # "YYYY-MM-DD" or ""
    mobile_phone: str = field(repr=False)
    email: str = field(repr=False)
    nationality: str = field(repr=False)
    jti: str
    exp: int
    claims: dict = field(repr=False)


@dataclass(frozen=True)
class TokenStatus:
    """The token-status API's verdict. `payload` = the token's claims overlaid with the status answer."""

    valid: bool
    payload: dict
    domain: str


def chain_cache_key(base_url: str) -> str:
    """Where the verified signer chain of one CamDigiKey server is cached (Django cache)."""
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:24]
    return f"camdigikey:signer-chain:v{CHAIN_CACHE_VERSION}:{digest}"


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def http_config(config: CamDigiKeyConfig) -> http.ClientConfig:
    """The HTTP options of a CamDigiKey configuration: equal options share one pooled session."""
    return http.ClientConfig(
        SERVICE,
        connect_timeout=min(config.timeout, http.ClientConfig.connect_timeout),
        read_timeout=config.timeout,
        client_cert=config.client_cert,
        client_key=config.client_key,
        # the trust store issued at onboarding authenticates the server (TLS) and anchors the signer chain
        ca_bundle=config.ca_bundle,
        user_agent="esb-portal-camdigikey/3",
    )


class CamDigiKeyClient:
    """The v3 protocol over `esb.http` (pooled session, timeouts, mTLS, the outgoing-request log)."""

    def __init__(
        self, config: CamDigiKeyConfig | None = None, http_client: http.HttpClient | None = None
    ) -> None:
        self.config = config or CamDigiKeyConfig.from_settings()
        self._envelope = Envelope(
            self.config.client_id, self.config.hmac_key, self.config.aes_secret_key, self.config.aes_iv
        )
        self.http = http_client or http.client(http_config(self.config))

    def __repr__(self) -> str:
        return f"CamDigiKeyClient(base_url={self.config.base_url!r}, client_id={self.config.client_id!r})"

    # --- the interface -------------------------------------------------------------------------------------

    def get_login_token(
        self, callback_vars: dict | None = None, success_return_url: str | None = None
    ) -> LoginToken:
        """A login token and the CamDigiKey page to send the browser to. `callback_vars` come back as
        query parameters on the success callback; `success_return_url` replaces the registered one."""
        if callback_vars is not None and not isinstance(callback_vars, dict):
            raise TypeError("callback_vars must be a dict")
        payload: dict[str, Any] = {
            "clientId": self.config.client_id,
            "domain": self.config.domain,
            "requestedDate": _now_ms(),
            "callbackVars": {str(k): _text(v) for k, v in callback_vars.items()} if callback_vars else None,
        }
        if success_return_url:
            payload["successReturnUrl"] = success_return_url
        data = self._post("login-token", LOGIN_TOKEN_PATH, payload, required=("loginToken", "loginUrl"))
        # The answer came in an authenticated envelope: its claims are CamDigiKey's (no signature check).
        try:
            login_id = _text(signature.parse(data["loginToken"]).claims.get("jti"))
        except CamDigiKeyError:
            login_id = ""
        return LoginToken(login_token=data["loginToken"], login_url=data["loginUrl"], login_id=login_id)

    def auth_token_login_id(self, auth_token: str) -> str:
        """The login (LoginToken.login_id) a success-callback authToken was issued for, from its signed
        claims ("" when the token names none). Raises InvalidTokenSignature for a forged token."""
        return _text(self.verify_token_signature(auth_token).claims.get("login_jti"))

    def get_user_access_token(self, auth_token: str) -> str:
        """Exchange the single-use authToken of the login callback for a USER access token (a JWT)."""
        parsed = self.verify_token_signature(auth_token)
        data = self._post(
            "access-token",
            ACCESS_TOKEN_PATH,
            {"clientId": self.config.client_id, "authToken": parsed.raw},
            required=("accessToken",),
        )
        return data["accessToken"]

    def validate_user_token(self, access_token: str) -> UserProfile:
        """The profile of a valid USER token: local signature, then the status API, then type, domain,
        expiry and jti. Raises the matching typed error otherwise."""
        parsed = self.verify_token_signature(access_token)
        self._precheck(parsed.claims, USER)
        if parsed.claims.get("domain") not in (None, self.config.domain):
            raise InvalidClientDomain()
        status = self._status(parsed)
        claims = status.payload
        self._require_active(status)
        self._check_type(claims, USER)
        if _text(claims.get("domain")) != self.config.domain:
            raise InvalidClientDomain()
        return UserProfile(
            camdigikey_id=_text(claims.get("camdigikey_id")),
            personal_code=_text(claims.get("personal_code")),
            first_name_en=_text(claims.get("first_name_en")),
            last_name_en=_text(claims.get("last_name_en")),
            first_name_kh=_text(claims.get("first_name_kh")),
            last_name_kh=_text(claims.get("last_name_kh")),
            gender=_text(claims.get("gender")).upper()[:1],
            dob=_text(claims.get("dob"))[:10],
            mobile_phone=_text(claims.get("mobile_phone")),
            email=_text(claims.get("email")),
            nationality=_text(claims.get("nationality")),
            jti=_text(claims.get("jti")),
            exp=_int(claims.get("exp")),
            claims=claims,
        )

    def token_status(self, access_token: str) -> TokenStatus:
        """What the status API says about any token it issued (after the local signature check).
        Does not raise for an inactive token: `valid` is False."""
        return self._status(self.verify_token_signature(access_token))

    def refresh_user_access_token(self, access_token: str) -> str:
        """A fresh USER token; CamDigiKey disables the old one."""
        parsed = self.verify_token_signature(access_token)
        data = self._post(
            "refresh-access-token",
            REFRESH_ACCESS_TOKEN_PATH,
            {"clientId": self.config.client_id, "accessToken": parsed.raw},
            required=("accessToken",),
        )
        return data["accessToken"]

    def get_organization_access_token(self) -> str:
        """An ORGANIZATION token for this client's domain (what a system presents to another system)."""
        data = self._post(
            "organization-access-token",
            ORGANIZATION_ACCESS_TOKEN_PATH,
            {"clientId": self.config.client_id, "domain": self.config.domain, "requestedDate": _now_ms()},
            required=("accessToken",),
        )
        return data["accessToken"]

    def validate_organization_token(self, access_token: str) -> TokenStatus:
        """A valid ORGANIZATION token presented by another system; `domain` says whose it is."""
        parsed = self.verify_token_signature(access_token)
        self._precheck(parsed.claims, ORGANIZATION)
        status = self._status(parsed)
        self._require_active(status)
        self._check_type(status.payload, ORGANIZATION)
        if not status.domain:
            raise InvalidClientDomain("the organization token names no domain")
        return status

    def logout_access_token(self, access_token: str) -> None:
        """Disable a token at CamDigiKey (the status API answers `false` afterwards)."""
        parsed = self.verify_token_signature(access_token)
        self._post(
            "access-token/logout",
            LOGOUT_ACCESS_TOKEN_PATH,
            {"clientId": self.config.client_id, "accessToken": parsed.raw},
        )

    def lookup_user_profile(self, access_token: str, personal_code: str) -> dict:
        """CamDigiKey's profile of a person by personal code (AccountTokenResponse: camdigikey_id,
        account_token, expired_date, surname_en, given_name_en, …, personal_code)."""
        parsed = self.verify_token_signature(access_token)
        return self._post(
            "lookup",
            LOOKUP_PATH,
            {
                "clientId": self.config.client_id,
                "domain": self.config.domain,
                "accessToken": parsed.raw,
                "personalCode": personal_code,
            },
        )

    def verify_account_token(self, account_token: str) -> dict:
        """Re-check an `account_token` from lookup_user_profile (AccountTokenVerificationResponse,
        `user_status`: 0 disabled, 1 enabled, 2 expired, 4 deleted)."""
        return self._post(
            "lookup/user-profile",
            VERIFY_ACCOUNT_TOKEN_PATH,
            {"clientId": self.config.client_id, "domain": self.config.domain, "accountToken": account_token},
        )

    # --- token checks ------------------------------------------------------------------------------------

    def verify_token_signature(self, token: str) -> signature.ParsedToken:
        """The parsed token when it is signed by CamDigiKey's current signer (InvalidTokenSignature or
        InvalidCertificateChain otherwise)."""
        parsed = signature.parse(token)
        chain, fetched_at = self._signer_chain()
        try:
            return signature.verify(parsed, chain[0].public_key())
        except InvalidTokenSignature:
            if time.time() - fetched_at < CHAIN_REFETCH_INTERVAL:
                raise
        chain, _fetched_at = self._signer_chain(refresh=True)
        return signature.verify(parsed, chain[0].public_key())

    def _precheck(self, claims: dict, expected_type: str) -> None:
        """Checks the signed claims allow before any network call (skipped for an opaque payload)."""
        if not claims:
            return
        if "type" in claims:
            self._check_type(claims, expected_type)
        exp = _int(claims.get("exp"))
        if exp and exp <= time.time():
            raise ExpiredAccessToken()

    @staticmethod
    def _check_type(claims: dict, expected_type: str) -> None:
        if _text(claims.get("type")).upper() != expected_type:
            raise InvalidAccessTokenType(f"expected a {expected_type} token")

    @staticmethod
    def _require_active(status: TokenStatus) -> None:
        exp = _int(status.payload.get("exp"))
        if exp and exp <= time.time():
            raise ExpiredAccessToken()
        if not status.valid:
            raise DisabledAccessToken()
        if not _text(status.payload.get("jti")):
            raise AccessTokenIdEmpty()

    def _status(self, parsed: signature.ParsedToken) -> TokenStatus:
        data = self._post(
            "access-token/status",
            ACCESS_TOKEN_STATUS_PATH,
            {"clientId": self.config.client_id, "accessToken": parsed.raw},
        )
        answer = {k: v for k, v in data.items() if k not in {"status", "accessToken", "is_valid"}}
        payload = {**parsed.claims, **answer}
        exp = _int(payload.get("exp"))
        valid = data.get("status") is True and not (exp and exp <= time.time())
        return TokenStatus(valid=valid, payload=payload, domain=_text(payload.get("domain")))

    # --- signer certificate chain ------------------------------------------------------------------------

    def _chain_cache_key(self) -> str:
        return chain_cache_key(self.config.base_url)

    def _signer_chain(self, refresh: bool = False) -> tuple[list[x509.Certificate], float]:
        """The verified chain and when it was fetched; cached (Django cache) until the leaf expires."""
        trusted = certificates.load_trust_store(self.config.ca_bundle) if self.config.ca_bundle else None
        key = self._chain_cache_key()
        if not refresh:
            cached = self._cache_get(key)
            if cached:
                try:
                    chain = certificates.load_chain(cached["pems"])
                    certificates.verify_chain(chain, trusted)
                    return chain, float(cached["fetched_at"])
                except (InvalidCertificateChain, KeyError, TypeError, ValueError):
                    pass  # expired or replaced trust store: fetch again
        pems = self._fetch_chain()
        chain = certificates.load_chain(pems)
        leaf = certificates.verify_chain(chain, trusted)
        fetched_at = time.time()
        ttl = int((leaf.not_valid_after_utc - datetime.datetime.now(datetime.UTC)).total_seconds())
        if ttl > 0:
            self._cache_set(key, {"pems": pems, "fetched_at": fetched_at}, ttl)
        return chain, fetched_at

    def _fetch_chain(self) -> list[str]:
        url = self._url(CERTIFICATE_PATH)
        with outgoing.record(SERVICE, CERTIFICATE_PATH, "GET", url) as call:
            response = self._send(call, "GET", url)
            body = self._json(response)
            if isinstance(body, dict) and _int(body.get("error")):
                raise self._error(body)
            pems = body.get("data") if isinstance(body, dict) else None
            if not isinstance(pems, list) or not pems:
                raise InvalidCertificateChain("CamDigiKey answered without a certificate chain")
            return pems

    @staticmethod
    def _cache_get(key: str) -> Any:
        try:
            return cache.get(key)
        except Exception:  # a cache outage must not stop logins: fetch instead
            logger.warning("cache unavailable: fetching the CamDigiKey signer chain")
            return None

    @staticmethod
    def _cache_set(key: str, value: Any, ttl: int) -> None:
        try:
            cache.set(key, value, ttl)
        except Exception:
            logger.warning("cache unavailable: the CamDigiKey signer chain is not cached")

    # --- transport ---------------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.config.base_url}{API_PREFIX}/{path}"

    def _post(self, operation: str, path: str, payload: dict, required: tuple[str, ...] = ()) -> dict:
        """POST the envelope; the answer's `data`, which must hold the `required` non-empty strings."""
        url = self._url(path)
        body = self._envelope.wrap(payload)
        with outgoing.record(SERVICE, operation, "POST", url) as call:
            response = self._send(call, "POST", url, json=body)
            answer = self._json(response)
            if isinstance(answer, dict) and isinstance(answer.get("data"), str) and "signature" in answer:
                api = self._envelope.unwrap(answer)
            elif isinstance(answer, dict) and "error" in answer:
                api = answer  # a plain error: e.g. an unknown client, whose keys the server does not have
            else:
                raise DecryptPayloadError("the response is not an encrypted envelope")
            if api.get("error") not in (0, "0") or response.status_code >= 400:
                raise self._error(api, response.status_code)
            data = api.get("data")
            if data is None:
                data = {}
            if not isinstance(data, dict):
                raise ServerError("CamDigiKey answered with malformed data", code="malformed_response")
            for key in required:
                if not isinstance(data.get(key), str) or not data[key]:
                    raise ServerError(f"CamDigiKey answered without {key}", code="malformed_response")
            return data

    def _send(self, call: outgoing.OutgoingCall, method: str, url: str, **kwargs: Any) -> requests.Response:
        headers = {"Accept": "application/json"}
        try:
            response = self.http.request(
                method, url, operation=call.operation, call=call, headers=headers, **kwargs
            )
        except requests.Timeout as exc:
            raise TransportError(f"CamDigiKey did not answer within {self.config.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise TransportError(f"CamDigiKey could not be reached ({type(exc).__name__})") from exc
        return response

    @staticmethod
    def _json(response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise TransportError(f"CamDigiKey answered HTTP {response.status_code} without JSON") from None

    @staticmethod
    def _error(api: dict, http_status: int | None = None) -> CamDigiKeyError:
        code = api.get("error")
        number = _int(code)
        message = _text(api.get("message"))[:200] or None
        if number in BY_CODE:
            return BY_CODE[number](message)
        if not number:
            return ServerError(message, code=http_status or "malformed_response")
        return ServerError(message, code=number)


def get_client() -> CamDigiKeyClient:
    """A CamDigiKey client configured from the current settings (protocol-level callers and tests; the login
    flow asks the identity-provider registry instead, so that another provider can take its place)."""
    return CamDigiKeyClient()
