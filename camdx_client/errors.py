"""Typed errors of CamDX calls (dpi-protocols.md §1.4, PR-REST §4.6).

    CamdxError                      every failure of a call (`service_code`, a safe `message`)
    ├── XRoadError                  a security server refused or failed (`X-Road-Error` header present):
    │   ├── ClientRequestError      Client.*              our request was refused (bad id, unknown service…)
    │   ├── ConsumerServerError     Server.ClientProxy.*  our own security server failed
    │   └── ProviderServerError     Server.ServerProxy.*  the provider's security server failed or refused
    ├── ProviderResponseError       the provider's information system answered with an error (no X-Road-Error)
    ├── CamdxUnavailable            our security server could not be reached (connection, TLS, timeout)
    ├── CircuitOpen                 calls to this service are paused after repeated failures
    └── OrganizationTokenError      no CamDigiKey organization token could be obtained

Messages never hold a token or a response body (bodies of provider errors are kept on `.body` for the
caller, who decides what may be shown or logged).
"""

from __future__ import annotations

import json
from typing import Any


class CamdxError(Exception):
    """Base class: `service_code` (the called service, '' when unknown) and a safe `message`."""

    code = "camdx_error"

    def __init__(self, message: str, *, service_code: str = "") -> None:
        self.message = message[:500]
        self.service_code = service_code
        super().__init__(self.message)


class XRoadError(CamdxError):
    """An error built by a security server: `type` (e.g. `Server.ServerProxy.AccessDenied`), `message` and
    `detail` (the security server's log correlation id) from its JSON body, `status` the HTTP status."""

    code = "xroad_error"

    def __init__(
        self, fault_type: str, message: str, detail: str = "", *, status: int = 500, service_code: str = ""
    ) -> None:
        super().__init__(message or fault_type, service_code=service_code)
        self.type = fault_type
        self.detail = detail
        self.status = status
        self.code = fault_type[:50] or self.code

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


class ClientRequestError(XRoadError):
    """`Client.*`: the request itself was refused (fix the request or the configuration, do not retry)."""


class ConsumerServerError(XRoadError):
    """`Server.ClientProxy.*`: our own security server failed."""


class ProviderServerError(XRoadError):
    """`Server.ServerProxy.*`: the provider's security server failed or refused (network, access denied…)."""


class ProviderResponseError(CamdxError):
    """The provider's information system answered with an HTTP error; its `status` and raw `body`."""

    code = "provider_error"

    def __init__(self, status: int, body: bytes, *, content_type: str = "", service_code: str = "") -> None:
        super().__init__(f"the provider answered HTTP {status}", service_code=service_code)
        self.status = status
        self.body = body
        self.content_type = content_type
        self.code = str(status)

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.body)


class CamdxUnavailable(CamdxError):
    """Our security server could not be reached or did not answer in time."""

    code = "unavailable"


class CircuitOpen(CamdxError):
    """The breaker of this service is open: the call was not sent."""

    code = "circuit_open"


class OrganizationTokenError(CamdxError):
    """CamDigiKey did not give us an organization token, so the call was not sent."""

    code = "organization_token"


class UnknownService(CamdxError, LookupError):
    """A service name that `CAMDX["SERVICES"]` does not configure."""

    code = "unknown_service"


def xroad_error(
    fault_type: str, message: str, detail: str, *, status: int, service_code: str = ""
) -> XRoadError:
    """The typed error for an X-Road fault type (`Client.*`, `Server.ClientProxy.*`, `Server.ServerProxy.*`;
    anything else stays a plain XRoadError)."""
    cls: type[XRoadError] = XRoadError
    if fault_type.startswith("Client."):
        cls = ClientRequestError
    elif fault_type.startswith("Server.ClientProxy."):
        cls = ConsumerServerError
    elif fault_type.startswith("Server.ServerProxy."):
        cls = ProviderServerError
    return cls(fault_type, message, detail, status=status, service_code=service_code)
