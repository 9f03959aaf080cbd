"""Adversarial checks of the CamDX security-server simulator: path tricks that would make it forward
outside the service's address or around an endpoint-level access right, and spoofed X-Road headers."""

from __future__ import annotations

import json

import pytest

from sandbox.camdx import testing

BASE = "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"


@pytest.fixture
def provider():
    running = testing.start_provider()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def echo(db, provider):
    echo = testing.service(testing.PROVIDER, "echo_service", f"{provider.url}/api/v1/licenses")
    testing.allow(testing.CONSUMER, echo)
    testing.allow(testing.OUTSIDER, echo, method="GET", path="/public/*")
    return echo


def _refused_as_bad_request(response) -> None:
    assert response.status_code == 400
    assert response["X-Road-Error"] == "Client.BadRequest"
    assert json.loads(response.content)["type"] == "Client.BadRequest"


@pytest.mark.parametrize(
    "rest",
    [
        "/../../../admin/",
        "/A1/../../../sandbox/obr",
        "/./x",
        "/a/..",
    ],
)
def test_dot_segments_never_reach_the_provider(client, echo, provider, rest):
    response = client.get(f"{BASE}/echo_service{rest}", HTTP_X_ROAD_CLIENT=testing.CONSUMER)
    _refused_as_bad_request(response)
    assert provider.received == []


@pytest.mark.parametrize(
    "rest",
    [
        "/public/%2e%2e/private",
        "/public/%2E%2E%2Fprivate",
        "/public/.%2e/private",
        "/public/..%5Cprivate",
    ],
)
def test_encoded_dot_segments_cannot_escape_an_endpoint_right(client, echo, provider, rest):
    raw = f"{BASE}/echo_service{rest}"
    response = client.get(raw, HTTP_X_ROAD_CLIENT=testing.OUTSIDER, RAW_URI=raw)
    _refused_as_bad_request(response)
    assert provider.received == []


def test_an_endpoint_right_still_lets_its_own_paths_through(client, echo, provider):
    raw = f"{BASE}/echo_service/public/a%2Fb/c..d"
    response = client.get(raw, HTTP_X_ROAD_CLIENT=testing.OUTSIDER, RAW_URI=raw)
    assert response.status_code == 200
    assert provider.last.path == "/api/v1/licenses/public/a%2Fb/c..d"


def test_the_provider_sees_only_the_checked_client_identifier(client, echo, provider):
    # A client joining a forged identifier before its own: the simulator checks the last one (PR-REST §4.3);
    # a provider must not be able to read the forged one.
    forged = "CAMBODIA/GOV/MEF-2020-0001/FMIS"
    response = client.get(f"{BASE}/echo_service/x", HTTP_X_ROAD_CLIENT=f"{forged}, {testing.CONSUMER}")
    assert response.status_code == 200
    assert provider.last.header("X-Road-Client") == testing.CONSUMER


PRODUCTION_PROBE = """
import json
import django
django.setup()
from django.urls import NoReverseMatch, Resolver404, resolve, reverse


def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


paths = [
    "/sandbox/camdx/",
    "/sandbox/camdx/listClients",
    "/sandbox/camdx/r1/CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info/A1",
]
try:
    reverse("sandbox-camdx:list-clients")
    named = True
except NoReverseMatch:
    named = False
print(json.dumps({"named": named, "resolved": [resolves(path) for path in paths]}))
"""


def test_the_simulator_does_not_exist_in_production():
    from tests.ops.test_settings import production_env, run

    result = run(production_env(DJANGO_SETTINGS_MODULE="esb.settings"), "-c", PRODUCTION_PROBE)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"named": False, "resolved": [False, False, False]}
