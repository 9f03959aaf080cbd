"""The CamDX simulator's r1 endpoint end to end: the client goes through Django's test client, the simulator
forwards over real HTTP to a provider information system listening on 127.0.0.1 (no mocked forwarding)."""

from __future__ import annotations

import json
import uuid

import pytest

from sandbox.camdx import protocol, testing
from sandbox.camdx.models import SimXRoadService

BASE = "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
# Headers the HTTP libraries put on the provider's request themselves (not the client's)
LIBRARY_HEADERS = {"host", "user-agent", "accept-encoding", "accept", "connection", "content-length"}


@pytest.fixture
def provider():
    running = testing.start_provider()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def registry(db, provider):
    echo = testing.service(testing.PROVIDER, "echo_service", f"{provider.url}/api/v1/licenses")
    testing.allow(testing.CONSUMER, echo)
    testing.subsystem(testing.OUTSIDER)
    return echo


def call(client, method: str, path: str, *, who: str | None = testing.CONSUMER, **extra):
    if who is not None:
        extra["HTTP_X_ROAD_CLIENT"] = who
    return getattr(client, method.lower())(path, **extra)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def xroad_error(response) -> dict:
    assert response["X-Road-Error"]
    answer = json.loads(response.content)
    assert answer["type"] == response["X-Road-Error"]
    assert str(uuid.UUID(answer["detail"])) == answer["detail"]
    return answer


def test_get_reaches_the_provider_with_rest_path_and_raw_query(client, registry, provider):
    response = call(client, "GET", f"{BASE}/echo_service/A123/info/R-1?status=SUBMITTED&q=a%20b")
    assert response.status_code == 200
    assert "X-Road-Error" not in response
    assert json.loads(body(response))["path"] == "/api/v1/licenses/A123/info/R-1?status=SUBMITTED&q=a%20b"
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Provider"] == "yes"


def test_post_body_and_verb_pass_through(client, registry, provider):
    response = call(client, "POST", f"{BASE}/echo_service", data=b'{"a":1}', content_type="application/json")
    assert response.status_code == 200
    assert provider.last.method == "POST"
    assert provider.last.body == b'{"a":1}'
    assert provider.last.path == "/api/v1/licenses"
    assert provider.last.header("Content-Type") == "application/json"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_verbs_are_forwarded(client, registry, provider, method):
    response = call(client, method, f"{BASE}/echo_service/x")
    assert response.status_code == 200
    assert provider.last.method == method


def test_encoded_identifiers_from_the_raw_uri(client, registry, provider):
    raw = "/sandbox/camdx/r1/CAMBODIA/GOV/ESB%2D2026%2D0001/ESB%5FPORTAL/echo%5Fservice/a%2Fb"
    response = client.get(raw, HTTP_X_ROAD_CLIENT=testing.CONSUMER, RAW_URI=raw)
    assert response.status_code == 200
    assert response["x-road-service"] == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL/echo_service"
    assert provider.last.path == "/api/v1/licenses/a%2Fb"  # the rest of the path is not decoded


def test_header_filtering_and_request_ids(client, registry, provider):
    response = call(
        client,
        "GET",
        f"{BASE}/echo_service",
        HTTP_AUTHORIZATION="Bearer org-token-123",
        HTTP_USER_AGENT="curl/8.0",
        HTTP_X_ROAD_REQUEST_ID="client-chosen",
        HTTP_X_ROAD_REQUEST_HASH="forged",
        HTTP_X_ROAD_USERID="KH010203",
        HTTP_X_CUSTOM="kept",
        HTTP_PROXY_AUTHORIZATION="Basic c2VjcmV0",
    )
    assert response.status_code == 200
    seen = provider.last
    assert seen.header("Authorization") == "Bearer org-token-123"
    assert seen.header("X-Custom") == "kept"
    assert seen.header("X-Road-UserId") == "KH010203"
    assert seen.header("X-Road-Client") == testing.CONSUMER
    assert seen.header("User-Agent") != "curl/8.0"
    assert seen.header("Proxy-Authorization") is None
    assert seen.header("X-Road-Request-Hash") is None
    assert seen.header("X-Road-Service") is None
    request_id = seen.header("x-road-request-id")
    assert request_id != "client-chosen" and str(uuid.UUID(request_id)) == request_id
    assert response["x-road-request-id"] == request_id
    query_id = seen.header("x-road-id")
    assert query_id.startswith("CAMBODIA-") and str(uuid.UUID(query_id.removeprefix("CAMBODIA-")))
    assert response["x-road-id"] == query_id


def test_clients_message_id_is_kept(client, registry, provider):
    response = call(client, "GET", f"{BASE}/echo_service", HTTP_X_ROAD_ID="my-message-1")
    assert provider.last.header("x-road-id") == "my-message-1"
    assert response["x-road-id"] == "my-message-1"


def test_response_headers_and_reproducible_request_hash(client, registry, provider):
    path = f"{BASE}/echo_service/A1"
    response = call(
        client, "PUT", f"{path}?x=1", data=b'{"v":2}', content_type="application/json", HTTP_X_CUSTOM="c"
    )
    assert response["x-road-client"] == testing.CONSUMER
    assert response["x-road-service"] == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL/echo_service"
    hashed = [(name, value) for name, value in provider.last.headers if name.lower() not in LIBRARY_HEADERS]
    expected = protocol.request_hash("PUT", path.removeprefix("/sandbox/camdx"), "x=1", hashed, b'{"v":2}')
    assert response["x-road-request-hash"] == expected
    other = call(
        client, "PUT", f"{path}?x=1", data=b'{"v":3}', content_type="application/json", HTTP_X_CUSTOM="c"
    )
    assert other["x-road-request-hash"] != expected


def test_provider_error_passes_as_is_without_xroad_error(client, db, provider):
    failing = testing.service(testing.PROVIDER, "failing", f"{provider.url}/error")
    testing.allow(testing.CONSUMER, failing)
    response = call(client, "GET", f"{BASE}/failing")
    assert response.status_code == 404
    assert "X-Road-Error" not in response
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(body(response)) == {"code": 404, "message": "not found here"}
    assert response["x-road-request-id"]


def test_redirects_are_not_followed(client, db, provider):
    moving = testing.service(testing.PROVIDER, "moving", f"{provider.url}/redirect")
    testing.allow(testing.CONSUMER, moving)
    response = call(client, "GET", f"{BASE}/moving")
    assert response.status_code == 302
    assert response["Location"] == "/elsewhere"
    assert [seen.path for seen in provider.received] == ["/redirect"]


def test_provider_down_is_a_network_error(client, db):
    down = testing.service(testing.PROVIDER, "down", f"http://127.0.0.1:{testing.free_port()}/api")
    testing.allow(testing.CONSUMER, down)
    response = call(client, "GET", f"{BASE}/down")
    assert response.status_code == 500
    assert xroad_error(response)["type"] == "Server.ServerProxy.NetworkError"


def test_provider_too_slow_is_a_service_failure(client, db, provider, settings):
    settings.ESB_HTTP_CLIENTS = {"camdx-sandbox": {"READ_TIMEOUT": 0.3}}
    slow = testing.service(testing.PROVIDER, "slow", f"{provider.url}/slow")
    testing.allow(testing.CONSUMER, slow)
    response = call(client, "GET", f"{BASE}/slow")
    assert response.status_code == 500
    assert xroad_error(response)["type"] == "Server.ServerProxy.ServiceFailed"


def test_too_few_parts_and_bad_version(client, registry):
    short = call(client, "GET", "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL")
    assert short.status_code == 400
    assert xroad_error(short)["type"] == "Client.BadRequest"
    version = call(client, "GET", "/sandbox/camdx/r2/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL/echo_service")
    assert version.status_code == 400
    assert xroad_error(version)["type"] == "Client.InvalidProtocolVersion"


def test_missing_and_unknown_client(client, registry, provider):
    missing = call(client, "GET", f"{BASE}/echo_service", who=None)
    assert missing.status_code == 500
    assert xroad_error(missing) | {"detail": ""} == {
        "type": "Server.ClientProxy.InvalidClientIdentifier",
        "message": "The client identifier is missing",
        "detail": "",
    }
    unknown = call(client, "GET", f"{BASE}/echo_service", who="CAMBODIA/GOV/NOBODY/SUB")
    assert xroad_error(unknown)["type"] == "Server.ClientProxy.UnknownMember"
    assert provider.received == []


def test_repeated_client_header_last_one_wins(client, registry, provider):
    response = call(client, "GET", f"{BASE}/echo_service", who=f"{testing.OUTSIDER}, {testing.CONSUMER}")
    assert response.status_code == 200
    assert response["x-road-client"] == testing.CONSUMER


def test_unknown_provider_and_service(client, registry):
    provider = call(client, "GET", "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/NO_SUCH/echo_service")
    assert xroad_error(provider)["type"] == "Server.ClientProxy.UnknownMember"
    service = call(client, "GET", f"{BASE}/no_such_service")
    assert service.status_code == 500
    assert (
        xroad_error(service)["message"]
        == f"Unknown service: {BASE.removeprefix('/sandbox/camdx/r1/')}/no_such_service"
    )


def test_disabled_service(client, registry, provider):
    SimXRoadService.objects.filter(pk=registry.pk).update(
        enabled=False, disabled_notice="Maintenance until 6:00"
    )
    response = call(client, "GET", f"{BASE}/echo_service")
    answer = xroad_error(response)
    assert answer["type"] == "Server.ServerProxy.ServiceDisabled"
    assert "Maintenance until 6:00" in answer["message"]
    assert provider.received == []


def test_access_denied_for_a_member_without_rights(client, registry, provider):
    response = call(client, "GET", f"{BASE}/echo_service", who=testing.OUTSIDER)
    assert response.status_code == 500
    assert xroad_error(response)["type"] == "Server.ServerProxy.AccessDenied"
    assert provider.received == []


def test_endpoint_level_rights(client, db, provider):
    partial = testing.service(testing.PROVIDER, "partial", f"{provider.url}/api")
    testing.allow(testing.OUTSIDER, partial, method="GET", path="/public/*")
    allowed = call(client, "GET", f"{BASE}/partial/public/x", who=testing.OUTSIDER)
    assert allowed.status_code == 200
    wrong_verb = call(client, "POST", f"{BASE}/partial/public/x", who=testing.OUTSIDER)
    assert xroad_error(wrong_verb)["type"] == "Server.ServerProxy.AccessDenied"
    wrong_path = call(client, "GET", f"{BASE}/partial/private/x", who=testing.OUTSIDER)
    assert xroad_error(wrong_path)["type"] == "Server.ServerProxy.AccessDenied"


def test_multipart_post_is_forwarded_byte_for_byte(client, registry, provider):
    response = call(client, "POST", f"{BASE}/echo_service", data={"field": "value"})
    assert response.status_code == 200
    content_type = provider.last.header("Content-Type")
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1]
    assert provider.last.body.startswith(f"--{boundary}".encode())
    assert b'name="field"\r\n\r\nvalue\r\n' in provider.last.body


def test_a_request_without_body_forwards_no_content_type(client, registry, provider):
    response = call(client, "GET", f"{BASE}/echo_service", CONTENT_TYPE="text/plain")
    assert response.status_code == 200
    assert provider.last.header("Content-Type") is None


def test_a_verb_x_road_does_not_know_is_a_bad_request(client, registry, provider):
    response = client.generic("PROPFIND", f"{BASE}/echo_service", HTTP_X_ROAD_CLIENT=testing.CONSUMER)
    assert response.status_code == 400
    assert xroad_error(response)["type"] == "Client.BadRequest"
    assert provider.received == []
