"""The X-Road message protocol for REST (PR-REST r1) as a CamDX security server speaks it: parsing the
request path and the X-Road-Client header, the header filter, the request hash and the error answers.

Pure functions, no database (the registry is in `registry.py`, forwarding in `services.py`). Behaviour follows
the X-Road 7 proxy sources (nordic-institute/X-Road: RestRequest, RestMessage, ClientRestMessageHandler,
AbstractClientProxyHandler, ErrorCodes); the code here is ours.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

PROTOCOL_VERSION = "r1"
# The verbs a security server accepts and passes to the provider (RestRequest.Verb)
VERBS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"})
INSTANCE = "CAMBODIA"

# Hop-by-hop and server-owned headers a security server never forwards (RestMessage.SKIPPED_HEADERS), plus
# the two it owns: a client-supplied x-road-request-id is replaced and x-road-request-hash ignored (the
# RestRequest constructor drops both).
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
SKIPPED_HEADERS = _HOP_BY_HOP | {"host", "user-agent", "server", "expect", "content-length"}
OWNED_REQUEST_HEADERS = frozenset({"x-road-request-id", "x-road-request-hash"})
# What is not copied from the provider's answer: hop-by-hop headers, the headers the simulator sets itself
# (X-Road also sets Date to null: the consumer's server answers with its own), and those Django's server adds.
SKIPPED_RESPONSE_HEADERS = _HOP_BY_HOP | {
    "server",
    "date",
    "x-road-client",
    "x-road-service",
    "x-road-id",
    "x-road-request-id",
    "x-road-request-hash",
    "x-road-error",
}

# Error types. X-Road's proxy (AbstractClientProxyHandler.handle) sends a ClientException as `Client.*`,
# a fault that came back from the provider's security server unchanged (`Server.ServerProxy.*`), and gives
# every other exception of the consumer's security server the prefix `Server.ClientProxy.*`;
# ClientRestMessageHandler.sendErrorResponse answers 500 when the type starts with "Server." and 400
# otherwise. Hence:
# - a request that is not PR-REST r1 (path too short, another rN) is the client's fault: `Client.*`, 400,
#   as PR-REST §4.6 category 3 and its example `Client.BadRequest` say (X-Road 7's RestRequest throws an
#   IllegalArgumentException there, which its handler would wrap as `Server.ClientProxy.*`; the protocol
#   document is what clients are written against, so the simulator follows it);
# - the client identifier is checked by the consumer's server (AbstractClientMessageProcessor
#   .verifyClientStatus throws a plain CodedException): `Server.ClientProxy.InvalidClientIdentifier` /
#   `Server.ClientProxy.UnknownMember`, and so is the provider's address (getServiceAddresses:
#   `Server.ClientProxy.UnknownMember` when the provider subsystem is not registered);
# - the service, its state and the access rights are checked by the provider's server (ServerMessageProcessor
#   / ServerRestMessageProcessor): `Server.ServerProxy.UnknownService`, `.ServiceDisabled`, `.AccessDenied`;
# - the provider information system unreachable: `Server.ServerProxy.NetworkError` (connection refused, as in
#   PR-REST §4.6's example) and `Server.ServerProxy.ServiceFailed` (no answer within the timeout).
BAD_REQUEST = "Client.BadRequest"
INVALID_PROTOCOL_VERSION = "Client.InvalidProtocolVersion"
INVALID_CLIENT_IDENTIFIER = "Server.ClientProxy.InvalidClientIdentifier"
UNKNOWN_MEMBER = "Server.ClientProxy.UnknownMember"
UNKNOWN_SERVICE = "Server.ServerProxy.UnknownService"
SERVICE_DISABLED = "Server.ServerProxy.ServiceDisabled"
ACCESS_DENIED = "Server.ServerProxy.AccessDenied"
NETWORK_ERROR = "Server.ServerProxy.NetworkError"
SERVICE_FAILED = "Server.ServerProxy.ServiceFailed"
SERVICE_MISSING_URL = "Server.ServerProxy.ServiceMissingUrl"
INTERNAL_ERROR = "Server.ServerProxy.InternalError"  # getOpenAPI without a document to serve

PARSE_ERROR_MESSAGE = (
    "Error parsing the client's REST request. Please check that the request format corresponds to the "
    "X-Road Message Protocol for REST (r1)."
)


class XRoadError(Exception):
    """An error the security server answers itself (with the X-Road-Error header)."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.detail = str(uuid.uuid4())  # for log correlation, as X-Road's faultDetail

    @property
    def status(self) -> int:
        return 500 if self.error_type.startswith("Server.") else 400

    def body(self) -> dict[str, str]:
        return {"type": self.error_type, "message": self.message, "detail": self.detail}


@dataclass(frozen=True)
class ClientId:
    instance: str
    member_class: str
    member_code: str
    subsystem_code: str = ""

    def __str__(self) -> str:
        parts = [self.instance, self.member_class, self.member_code, self.subsystem_code]
        return "/".join(part for part in parts if part)


@dataclass(frozen=True)
class ServiceId:
    client: ClientId
    service_code: str

    def __str__(self) -> str:
        return f"{self.client}/{self.service_code}"


@dataclass(frozen=True)
class RestTarget:
    """`/r1/{instance}/{class}/{member}/{subsystem}/{service}[/rest]`: the service and the rest of the path
    as it came (still percent-encoded when the raw path was available), to append to the provider URL."""

    service: ServiceId
    service_path: str
    request_path: str


def _segment(value: str, *, encoded: bool) -> str:
    return unquote(value, errors="strict") if encoded else value


def check_verb(method: str) -> str:
    if method.upper() not in VERBS:
        raise XRoadError(BAD_REQUEST, f"{PARSE_ERROR_MESSAGE} Unsupported method {method}.")
    return method.upper()


def parse_request_path(request_path: str, *, encoded: bool = True) -> RestTarget:
    """Parse `/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/rest]` like RestRequest.decodeIdentifiers: split
    on "/" into at most 8 parts, at least 7 of them, each identifier percent-decoded on its own (so an
    encoded "/" stays inside its identifier). `encoded=False` when the server already decoded the path."""
    parts = request_path.split("/", 7)
    if len(parts) < 7 or parts[0] != "":
        raise XRoadError(BAD_REQUEST, PARSE_ERROR_MESSAGE)
    version = parts[1]
    if version != PROTOCOL_VERSION:
        if len(version) == 2 and version[0] == "r" and version[1].isdigit():
            raise XRoadError(INVALID_PROTOCOL_VERSION, f"Unsupported protocol version {version[1]}")
        raise XRoadError(INVALID_PROTOCOL_VERSION, f"Invalid protocol version {version}")
    try:
        identifiers = [_segment(part, encoded=encoded) for part in parts[2:7]]
    except UnicodeDecodeError:
        raise XRoadError(BAD_REQUEST, PARSE_ERROR_MESSAGE) from None
    if any(not identifier for identifier in identifiers):
        raise XRoadError(BAD_REQUEST, PARSE_ERROR_MESSAGE)
    instance, member_class, member_code, subsystem_code, service_code = identifiers
    service = ServiceId(ClientId(instance, member_class, member_code, subsystem_code), service_code)
    service_path = "/" + parts[7] if len(parts) == 8 else ""
    _refuse_dot_segments(service_path)
    return RestTarget(service=service, service_path=service_path, request_path=request_path)


def _refuse_dot_segments(service_path: str) -> None:
    """A "." or ".." segment in the rest of the path, plain or percent-encoded (an encoded "/" or "\\" may
    delimit it), is refused: the HTTP client resolves dot segments, so the request would leave the service's
    address for any other path of the provider's host, around the endpoint-level access rights."""
    decoded = unquote(service_path, errors="replace").replace("\\", "/")
    if any(segment in {".", ".."} for segment in decoded.split("/")):
        raise XRoadError(BAD_REQUEST, f"{PARSE_ERROR_MESSAGE} Dot segments are not allowed in the path.")


def last_header_value(value: str) -> str:
    """The last of repeated headers: WSGI servers join repeats with ", " (PR-REST §4.3: the last one wins)."""
    return value.rsplit(",", 1)[-1].strip()


def parse_client_id(value: str) -> ClientId:
    """`INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, each part percent-encoded on its own (as decodeClientId)."""
    parts = value.split("/")
    if len(parts) not in (3, 4) or any(not part for part in parts):
        raise XRoadError(INVALID_CLIENT_IDENTIFIER, f"Invalid X-Road-Client header: {value}")
    try:
        decoded = [unquote(part, errors="strict") for part in parts]
    except UnicodeDecodeError:
        raise XRoadError(INVALID_CLIENT_IDENTIFIER, f"Invalid X-Road-Client header: {value}") from None
    return ClientId(*decoded)


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The client's headers a security server passes on: all but the skipped and the server-owned ones."""
    return [
        (name, value)
        for name, value in headers
        if name.lower() not in SKIPPED_HEADERS and name.lower() not in OWNED_REQUEST_HEADERS
    ]


def new_query_id() -> str:
    """The message id a consumer's security server gives a request without X-Road-Id (ClientRestMessage
    Processor: "{instance}-{uuid}")."""
    return f"{INSTANCE}-{uuid.uuid4()}"


def serialize_request(
    method: str, request_path: str, query: str, headers: Iterable[tuple[str, str]]
) -> bytes:
    """What the request hash covers (after RestRequest.toByteArray): the verb, the path with its query and
    the forwarded headers, one "name: value" line each (lower-case names, sorted, so the hash does not
    depend on the order a client library sends headers in)."""
    lines = [method.upper(), f"{request_path}?{query}" if query else request_path]
    lines += sorted(f"{name.lower()}: {value}" for name, value in headers)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def request_hash(
    method: str, request_path: str, query: str, headers: Iterable[tuple[str, str]], body: bytes
) -> str:
    """x-road-request-hash: base64(SHA-512(SHA-512(serialized request) ‖ SHA-512(body))), or
    base64(SHA-512(serialized request)) when there is no body (PR-REST §4.3)."""
    head = hashlib.sha512(serialize_request(method, request_path, query, headers)).digest()
    if not body:
        return base64.b64encode(head).decode("ascii")
    both = hashlib.sha512(head + hashlib.sha512(body).digest()).digest()
    return base64.b64encode(both).decode("ascii")


def endpoint_matches(pattern_method: str, pattern_path: str, method: str, path: str) -> bool:
    """Does a request match an endpoint or access-right pattern? Blank or "*" method: any verb; blank path:
    any path; `*` in a path matches any run of characters (X-Road's endpoint wildcard)."""
    if pattern_method and pattern_method != "*" and pattern_method.upper() != method.upper():
        return False
    if not pattern_path:
        return True
    return _glob(pattern_path, path or "/")


def _glob(pattern: str, path: str) -> bool:
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return pattern == path
    if not path.startswith(pieces[0]) or not path.endswith(pieces[-1]):
        return False
    position, end = len(pieces[0]), len(path) - len(pieces[-1])
    if end < position:
        return False
    for piece in pieces[1:-1]:
        found = path.find(piece, position, end)
        if found < 0:
            return False
        position = found + len(piece)
    return True
