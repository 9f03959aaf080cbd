"""PR-REST r1 parsing, the header filter, the request hash and the endpoint patterns (no database)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from sandbox.camdx import protocol
from sandbox.camdx.services import provider_url


def test_seven_parts_give_the_service_and_no_rest():
    target = protocol.parse_request_path("/r1/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL/system_health")
    assert str(target.service) == "CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL/system_health"
    assert target.service.client.subsystem_code == "ESB_PORTAL"
    assert target.service_path == ""


def test_the_rest_of_the_path_stays_as_it_came():
    target = protocol.parse_request_path("/r1/CAMBODIA/GOV/M/SUB/svc/licenses/A%2FB/info/x/")
    assert target.service_path == "/licenses/A%2FB/info/x/"


@pytest.mark.parametrize(
    "path",
    [
        "/r1/CAMBODIA/GOV/MEMBER/SUB",
        "/r1/CAMBODIA/GOV/MEMBER",
        "/r1",
        "r1/CAMBODIA/GOV/M/SUB/svc",
        "/r1/A//M/S/svc",
    ],
)
def test_fewer_than_five_identifiers_is_a_bad_request(path):
    with pytest.raises(protocol.XRoadError) as raised:
        protocol.parse_request_path(path)
    assert raised.value.error_type == "Client.BadRequest"
    assert raised.value.status == 400


@pytest.mark.parametrize("version", ["r2", "r0", "rest", "v1"])
def test_another_protocol_version_is_refused(version):
    with pytest.raises(protocol.XRoadError) as raised:
        protocol.parse_request_path(f"/{version}/CAMBODIA/GOV/M/SUB/svc")
    assert raised.value.error_type == "Client.InvalidProtocolVersion"
    assert raised.value.status == 400


def test_each_identifier_is_decoded_on_its_own():
    target = protocol.parse_request_path("/r1/CAMBODIA/GOV/MOC%2F2021/OBR%5FREGISTRY/business%20info/x%2Fy")
    assert target.service.client.member_code == "MOC/2021"
    assert target.service.client.subsystem_code == "OBR_REGISTRY"
    assert target.service.service_code == "business info"
    assert target.service_path == "/x%2Fy"


def test_a_path_django_already_decoded_is_not_decoded_twice():
    target = protocol.parse_request_path("/r1/CAMBODIA/GOV/A%41/SUB/svc", encoded=False)
    assert target.service.client.member_code == "A%41"


def test_underscores_are_identifiers_like_any_other():
    target = protocol.parse_request_path("/r1/CAMBODIA/GOV/CAMDX-20201222/CAMDIGIKEY_KYC/kyc_info")
    assert target.service.client.subsystem_code == "CAMDIGIKEY_KYC"
    assert target.service.service_code == "kyc_info"


def test_client_header_last_value_wins_and_parts_are_decoded():
    header = "CAMBODIA/COM/X/Y, CAMBODIA/GOV/MOC%2D2021/MOC_LICENSING"
    client = protocol.parse_client_id(protocol.last_header_value(header))
    assert client == protocol.ClientId("CAMBODIA", "GOV", "MOC-2021", "MOC_LICENSING")


@pytest.mark.parametrize("value", ["CAMBODIA/GOV", "CAMBODIA/GOV/M/S/extra", "CAMBODIA//M"])
def test_malformed_client_header(value):
    with pytest.raises(protocol.XRoadError) as raised:
        protocol.parse_client_id(value)
    assert raised.value.error_type == "Server.ClientProxy.InvalidClientIdentifier"


def test_header_filter_drops_hop_by_hop_and_owned_headers_keeps_authorization():
    headers = [
        ("Host", "ss"),
        ("User-Agent", "curl"),
        ("Content-Length", "3"),
        ("Connection", "close"),
        ("Expect", "100-continue"),
        ("X-Road-Request-Id", "mine"),
        ("X-Road-Request-Hash", "forged"),
        ("Authorization", "Bearer t"),
        ("X-Road-Client", "CAMBODIA/GOV/M/S"),
        ("X-Custom", "1"),
    ]
    assert protocol.forwarded_headers(headers) == [
        ("Authorization", "Bearer t"),
        ("X-Road-Client", "CAMBODIA/GOV/M/S"),
        ("X-Custom", "1"),
    ]


def test_request_hash_recipe():
    headers = [("X-Road-Client", "A/B/C/D"), ("accept", "application/json")]
    serialized = b"GET\r\n/r1/A/B/C/D/svc/x?q=1\r\naccept: application/json\r\nx-road-client: A/B/C/D\r\n"
    assert protocol.serialize_request("get", "/r1/A/B/C/D/svc/x", "q=1", headers) == serialized
    head = hashlib.sha512(serialized).digest()
    assert (
        protocol.request_hash("GET", "/r1/A/B/C/D/svc/x", "q=1", headers, b"")
        == base64.b64encode(head).decode()
    )
    with_body = hashlib.sha512(head + hashlib.sha512(b"{}").digest()).digest()
    assert protocol.request_hash("GET", "/r1/A/B/C/D/svc/x", "q=1", headers, b"{}") == (
        base64.b64encode(with_body).decode()
    )
    # the order a client sends headers in does not matter, their values do
    assert protocol.request_hash("GET", "/p", "", headers, b"") == protocol.request_hash(
        "GET", "/p", "", list(reversed(headers)), b""
    )
    assert protocol.request_hash("GET", "/p", "", headers, b"") != protocol.request_hash(
        "GET", "/p", "", [("X-Road-Client", "A/B/C/E")], b""
    )


@pytest.mark.parametrize(
    ("method", "pattern", "request_method", "path", "expected"),
    [
        ("", "", "DELETE", "/anything", True),
        ("GET", "/*", "GET", "/A1/info/2", True),
        ("GET", "/*", "POST", "/A1", False),
        ("*", "/*/info/*", "PUT", "/A1/info/2", True),
        ("GET", "/*/info/*", "GET", "/A1/timeline/2", False),
        ("GET", "/", "GET", "", True),
        ("GET", "/", "GET", "/x", False),
    ],
)
def test_endpoint_patterns(method, pattern, request_method, path, expected):
    assert protocol.endpoint_matches(method, pattern, request_method, path) is expected


@pytest.mark.parametrize(
    ("base", "rest", "query", "url"),
    [
        ("http://p/api/v1/licenses", "", "", "http://p/api/v1/licenses"),
        ("http://p/api/v1/licenses", "/A1", "page=2", "http://p/api/v1/licenses/A1?page=2"),
        ("http://p/api/v1/licenses/", "/A1/", "", "http://p/api/v1/licenses/A1/"),
        ("http://p/health", "", "a=1&b=%20", "http://p/health?a=1&b=%20"),
    ],
)
def test_provider_url_is_service_url_plus_rest_plus_raw_query(base, rest, query, url):
    assert provider_url(base, rest, query) == url
