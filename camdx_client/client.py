"""The outgoing CamDX client: calls another member's REST service through our security server (PR-REST r1,
dpi-protocols.md §1).

    response = CamdxClient().call("business_info", single_id, user_id=user_id_of(user), issue=reference)
    response.json(), response.message_id

`call` sends `{SECURITY_SERVER_URL}/r1/{service id}/{service path}/{path}` with `X-Road-Client` (our
subsystem), `X-Road-Id` (a new UUID unless given; returned), `X-Road-UserId` (`KH` + the person's CamDigiKey
id, see `user_id_of`), `X-Road-Issue` (the application reference) and `Authorization: Bearer` with our
CamDigiKey organization token. What comes back:
- a security-server fault (`X-Road-Error` header) raises `ClientRequestError` / `ConsumerServerError` /
  `ProviderServerError` with the fault's `type`, `message`, `detail`;
- an HTTP error of the provider's own system raises `ProviderResponseError` (status and body);
- no answer (connection, TLS, timeout) raises `CamdxUnavailable`;
- a service whose circuit is open raises `CircuitOpen` without sending anything.

HTTP goes through `esb.http` (pooled session, timeouts, mTLS to our security server, retries of idempotent
methods only); every call is one row of the outgoing-request log with service `camdx` and the service code as
operation. Called from services and tasks only (import-linter `clients-from-services-and-tasks`).
"""

from __future__ import annotations

import json as jsonlib
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import requests

from accounts.models import User
from camdx_client import token as org_token
from camdx_client.config import CamdxConfig, ServiceConfig
from camdx_client.errors import (
    CamdxUnavailable,
    CircuitOpen,
    ClientRequestError,
    ProviderResponseError,
    XRoadError,
    xroad_error,
)
from esb import http, outgoing, request_context
from esb.circuit import BreakerOpen, CircuitBreaker

SERVICE = "camdx"  # the outgoing-request log's service name; the operation is the service code
PROTOCOL = "r1"
_USER_ID = re.compile(r"[A-Z]{2}[A-Za-z0-9._-]{1,100}")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_ISSUE_MAX = 255


def user_id_of(user: Any) -> str | None:
    """The X-Road-UserId of a portal user: `KH` + their CamDigiKey id (the national identity's stable,
    pseudonymous id), never the ID-card number, which the portal keeps encrypted. None for an account that
    never logged in with CamDigiKey (the break-glass administrator): the header is then left out."""
    camdigikey_id = getattr(user, "camdigikey_id", None)
    return f"KH{camdigikey_id}" if camdigikey_id else None


def acting_user_id(subject: Any = None) -> str | None:
    """The X-Road-UserId of the person behind this call: whoever is logged in and acting in the current
    request (an officer whose review screen looks the applicant's business up), else `subject` (the
    applicant whose form is prefilled, or nobody in a task)."""
    actor_id = request_context.current().actor_id
    if actor_id is not None and actor_id != getattr(subject, "pk", None):
        actor = User.objects.filter(pk=actor_id).only("camdigikey_id").first()
        if actor is not None:
            return user_id_of(actor)
    return user_id_of(subject)


@dataclass(frozen=True)
class CamdxResponse:
    """A successful (status < 400) answer of the provider, with the X-Road ids of the exchange."""

    status: int
    body: bytes = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    message_id: str  # X-Road-Id: ours, as echoed by the security server
    request_id: str  # X-Road-Request-Id, set by the security server ('' when absent)
    service_code: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return jsonlib.loads(self.body)


def http_config(config: CamdxConfig) -> http.ClientConfig:
    """The HTTP options of the link to our security server: equal options share one pooled session."""
    return http.ClientConfig(
        SERVICE,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        client_cert=config.client_cert,
        client_key=config.client_key,
        ca_bundle=config.ca_bundle,
        retries=config.retries,
        user_agent="esb-portal-camdx/r1",
    )


def breaker_for(config: CamdxConfig, service_code: str) -> CircuitBreaker:
    return CircuitBreaker(
        f"camdx:{service_code}",
        failure_threshold=config.breaker_failures,
        cooldown_seconds=config.breaker_cooldown_seconds,
    )


def _path(service: ServiceConfig, path: str) -> str:
    """The service path after the service code: the configured prefix, then the call's path, each segment
    percent-encoded on its own ("." and ".." refused: they would climb out of the provider's base URL)."""
    segments = [s for part in (service.path, path) for s in part.split("/") if s]
    if any(segment in {".", ".."} for segment in segments):
        raise ValueError("a CamDX service path may not contain '.' or '..' segments")
    return "/".join(quote(segment, safe="") for segment in segments)


class CamdxClient:
    def __init__(self, config: CamdxConfig | None = None, http_client: http.HttpClient | None = None) -> None:
        self.config = config or CamdxConfig.from_settings()
        self.http = http_client or http.client(http_config(self.config))

    def __repr__(self) -> str:
        return f"CamdxClient(client={str(self.config.client)!r}, ss={self.config.security_server_url!r})"

    def url(self, service: ServiceConfig, path: str = "") -> str:
        tail = _path(service, path)
        base = f"{self.config.security_server_url}/{PROTOCOL}/{service.service_id.encoded}"
        return f"{base}/{tail}" if tail else base

    def call(
        self,
        service: str,
        path: str = "",
        *,
        method: str = "GET",
        params: dict[str, Any] | None = None,
        json: Any = None,
        user_id: str | None = None,
        issue: str | None = None,
        message_id: str | None = None,
    ) -> CamdxResponse:
        """Call the configured service `service` (a key of `CAMDX["SERVICES"]`). `user_id`: the full
        X-Road-UserId (`user_id_of(user)`); `issue`: the application reference; `message_id`: the X-Road-Id
        to send (a new UUID when None). Raises a `CamdxError` subclass (module docstring)."""
        spec = self.config.service(service)
        code = spec.service_id.service_code
        method = method.upper()
        headers = self._headers(user_id=user_id, issue=issue, message_id=message_id or str(uuid.uuid4()))
        url = self.url(spec, path)
        if params:  # in the URL itself, so that the outgoing log shows the names (values are masked there)
            url = f"{url}?{urlencode(params, doseq=True)}"
        breaker = breaker_for(self.config, code)
        try:
            breaker.before_call()
        except BreakerOpen as exc:
            with outgoing.record(SERVICE, code, method, url) as logged:
                logged.fail(CircuitOpen.code, CircuitOpen.__name__)
            raise CircuitOpen(
                f"calls to {code} are paused after repeated failures (retry in {exc.retry_after:.0f} s)",
                service_code=code,
            ) from None
        headers["Authorization"] = f"Bearer {org_token.organization_token(refresh_margin=self._margin)}"
        timeout = (self.config.connect_timeout, spec.read_timeout or self.config.read_timeout)
        with outgoing.record(SERVICE, code, method, url) as logged:
            try:
                response = self.http.request(
                    method,
                    url,
                    operation=code,
                    call=logged,
                    headers=headers,
                    json=json,
                    timeout=timeout,
                    allow_redirects=False,  # X-Road passes 3xx back unmodified (PR-REST §4.4)
                )
            except requests.Timeout as exc:
                breaker.record_failure()
                raise CamdxUnavailable(
                    f"the security server did not answer within {timeout[1]:g} s", service_code=code
                ) from exc
            except requests.RequestException as exc:
                breaker.record_failure()
                raise CamdxUnavailable(
                    f"the security server could not be reached ({type(exc).__name__})", service_code=code
                ) from exc
            error = self._error(response, code)
            if error is not None:
                if self._counts_against_service(error):
                    breaker.record_failure()
                else:
                    breaker.record_success()  # the service answered: it is up
                if isinstance(error, ProviderResponseError) and error.status == 401:
                    org_token.forget()  # refused token: the next call asks CamDigiKey for a new one
                raise error
            breaker.record_success()
            return CamdxResponse(
                status=response.status_code,
                body=response.content,
                headers={name.lower(): value for name, value in response.headers.items()},
                message_id=response.headers.get("x-road-id") or headers["X-Road-Id"],
                request_id=response.headers.get("x-road-request-id", ""),
                service_code=code,
            )

    @property
    def _margin(self) -> int:
        return self.config.token_refresh_margin_seconds

    def _headers(self, *, user_id: str | None, issue: str | None, message_id: str) -> dict[str, str]:
        if not _MESSAGE_ID.fullmatch(message_id):
            raise ValueError("X-Road-Id must be 1 to 100 letters, digits or . _ : -")
        headers = {
            "X-Road-Client": self.config.client.encoded,
            "X-Road-Id": message_id,
            "Accept": "application/json",
        }
        if user_id:
            if not _USER_ID.fullmatch(user_id):
                raise ValueError("X-Road-UserId is a country code and an id, e.g. KH<CamDigiKey id>")
            headers["X-Road-UserId"] = user_id
        if issue:
            if len(issue) > _ISSUE_MAX or not issue.isprintable():
                raise ValueError(f"X-Road-Issue is printable text of at most {_ISSUE_MAX} characters")
            headers["X-Road-Issue"] = quote(issue, safe=" -_.~/:#()")
        return headers

    @staticmethod
    def _error(response: requests.Response, code: str) -> XRoadError | ProviderResponseError | None:
        fault = response.headers.get("x-road-error")
        if fault:
            try:
                body = response.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            return xroad_error(
                str(body.get("type") or fault)[:200],
                str(body.get("message") or "")[:500],
                str(body.get("detail") or "")[:100],
                status=response.status_code,
                service_code=code,
            )
        if response.status_code >= 400:
            return ProviderResponseError(
                response.status_code,
                response.content,
                content_type=response.headers.get("content-type", ""),
                service_code=code,
            )
        return None

    @staticmethod
    def _counts_against_service(error: XRoadError | ProviderResponseError) -> bool:
        """Failures that say the service is unwell open its breaker; refusals of our request (Client.*, a
        4xx of the provider such as 'not found') do not."""
        if isinstance(error, ClientRequestError):
            return False
        if isinstance(error, ProviderResponseError):
            return error.status >= 500
        return True


def get_client() -> CamdxClient:
    """A client configured from the current settings."""
    return CamdxClient()
