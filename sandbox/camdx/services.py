"""What the CamDX security-server simulator does with a request: check it as a consumer's and a provider's
security server would (client, service, access rights), forward it to the provider's information system
and hand back the answer with the X-Road response headers; and the metaservices' work.

The two security servers of a real exchange (the consumer's and the provider's) are one here: there is no
signing, no message log and no SS-to-SS hop, but what the client and the provider see is what X-Road shows
them (PR-REST r1, dpi-protocols.md §1).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
from django.conf import settings

from esb import http
from sandbox.camdx import protocol, registry

# The simulator's outgoing client: one try (a security server does not resend a request to the provider),
# timeouts configurable in settings.ESB_HTTP_CLIENTS["camdx-sandbox"] (READ_TIMEOUT, CONNECT_TIMEOUT).
HTTP_SERVICE = "camdx-sandbox"
_DEFAULTS = {"connect_timeout": 3.05, "read_timeout": 30.0, "retries": 0, "user_agent": "camdx-sandbox"}
_CHUNK = 64 * 1024
# Headers requests would add on its own when the client did not send them; None removes them, so the
# provider sees the client's headers, not the library's (Host, Content-Length are the HTTP layer's own).
_LIBRARY_DEFAULTS = ("Accept", "Accept-Encoding", "Connection")
# When Django already decoded the path (no raw URI from the server), the rest of the path is re-encoded
# with every character a path may carry literally kept as it is.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass
class Forwarded:
    """The provider's answer and the X-Road headers to add to it."""

    status: int
    headers: list[tuple[str, str]]
    body: Iterator[bytes]
    xroad_headers: dict[str, str]


def provider_url(service_url: str, service_path: str, query: str) -> str:
    """X-Road's concatPath(serviceAddress, servicePath) + "?" + query: exactly one "/" between the two."""
    url = service_url
    if service_path:
        url = url.rstrip("/") + "/" + service_path.lstrip("/")
    return f"{url}?{query}" if query else url


def _client_parts(client: protocol.ClientId) -> list[str]:
    parts = [client.instance, client.member_class, client.member_code, client.subsystem_code]
    return [part for part in parts if part]


def _stream(response: requests.Response) -> Iterator[bytes]:
    """The provider's body as it came (still compressed if it was), then the connection back to the pool."""
    try:
        yield from response.raw.stream(_CHUNK, decode_content=False)
    finally:
        response.close()


def forward(
    *,
    method: str,
    target: protocol.RestTarget,
    client_header: str | None,
    headers: Iterable[tuple[str, str]],
    query: str,
    body: bytes,
    path_encoded: bool = True,
) -> Forwarded:
    """Check the request like X-Road (client, service, enabled, access rights), forward it, and return the
    provider's answer. Raises `protocol.XRoadError` for everything the security server answers itself."""
    client = registry.registered_client(client_header)
    service = registry.find_service(target.service)
    registry.check_access(client, service, method, target.service_path)
    if not service.url:
        raise protocol.XRoadError(
            protocol.SERVICE_MISSING_URL, f"Service address not specified for {service}"
        )

    # The provider sees the one identifier that was checked, not what the client joined around it (a
    # repeated header arrives as "forged, checked": a provider reading the first value would trust the forged)
    sent = [
        (name, value)
        for name, value in protocol.forwarded_headers(headers)
        if name.lower() != "x-road-client"
    ]
    sent.append(("X-Road-Client", "/".join(quote(part, safe="") for part in _client_parts(client))))
    if not body:
        # wsgiref-based servers (runserver) invent "Content-Type: text/plain" for a request without one;
        # a request without a body has no content to type, so none is forwarded.
        sent = [(name, value) for name, value in sent if name.lower() != "content-type"]
    query_id = next((value for name, value in sent if name.lower() == "x-road-id" and value), "")
    if not query_id:
        query_id = protocol.new_query_id()
        sent.append(("x-road-id", query_id))
    request_id = str(uuid.uuid4())
    sent.append(("x-road-request-id", request_id))

    xroad_headers = {
        "x-road-client": str(client),
        "x-road-service": str(target.service),
        "x-road-id": query_id,
        "x-road-request-id": request_id,
        "x-road-request-hash": protocol.request_hash(method, target.request_path, query, sent, body),
    }
    service_path = target.service_path if path_encoded else quote(target.service_path, safe=_PATH_SAFE)
    url = provider_url(service.url, service_path, query)
    outgoing = dict(sent)
    for name in _LIBRARY_DEFAULTS:
        if not any(key.lower() == name.lower() for key in outgoing):
            outgoing[name] = None
    client_http = http.client_for(HTTP_SERVICE, **_DEFAULTS)
    try:
        response = client_http.request(
            method,
            url,
            operation=target.service.service_code,
            headers=outgoing,
            data=body or None,
            stream=True,
            allow_redirects=False,  # PR-REST §4.4: redirects go back to the client unmodified
        )
    except requests.ReadTimeout:
        raise protocol.XRoadError(
            protocol.SERVICE_FAILED, f"The service {service} did not answer within the timeout"
        ) from None
    except requests.RequestException as exc:
        raise protocol.XRoadError(protocol.NETWORK_ERROR, f"Connect to {service.url} failed: {exc}") from None
    kept = [
        (name, value)
        for name, value in response.raw.headers.items()
        if name.lower() not in protocol.SKIPPED_RESPONSE_HEADERS
    ]
    return Forwarded(
        status=response.status_code, headers=kept, body=_stream(response), xroad_headers=xroad_headers
    )


@dataclass(frozen=True)
class Document:
    content: bytes
    content_type: str


def _document_path(stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def openapi_document(provider: protocol.ClientId, service_code: str) -> Document:
    """getOpenAPI: the stored OpenAPI document of one of the provider's services."""
    subsystem = registry.provider_subsystem(provider)
    if not service_code:
        raise protocol.XRoadError(protocol.BAD_REQUEST, "Missing parameter serviceCode")
    service = subsystem.services.filter(service_code=service_code).first()
    if service is None:
        raise protocol.XRoadError(protocol.UNKNOWN_SERVICE, f"Unknown service: {provider}/{service_code}")
    if not service.openapi_path:
        raise protocol.XRoadError(
            protocol.INTERNAL_ERROR,
            f"Service {service} has no OpenAPI description (it is a {service.service_type})",
        )
    path = _document_path(service.openapi_path)
    try:
        content = path.read_bytes()
    except OSError:
        raise protocol.XRoadError(
            protocol.INTERNAL_ERROR,
            f"The OpenAPI description of service {service} is missing: {service.openapi_path}",
        ) from None
    content_type = "application/json" if path.suffix.lower() == ".json" else "application/yaml"
    return Document(content, f"{content_type}; charset=utf-8")
