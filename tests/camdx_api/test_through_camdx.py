"""The Part 5 API through the CamDX security-server simulator, over real HTTP (pytest-django's live_server):
the Ministry of Commerce's system (CAMBODIA/GOV/MOC-2021-0001/MOC_LICENSING) calls each of the eight services
of CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL with a CamDigiKey simulator's organization token, and gets what a
direct call gets plus the x-road-* headers; the refusals the security server makes itself carry X-Road's error
type (X-Road-Error header and JSON body)."""

# ruff: noqa: F811 - pytest fixtures are imported by name and requested as arguments of the same name

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from camdx_api.models import ApiCall
from sandbox.camdx import demo as camdx_demo
from sandbox.camdx.models import SimXRoadService
from sandbox.camdx.testing import OUTSIDER, PROVIDER, free_port
from tests.camdx_api.conftest import MOC_XROAD, ministry_client
from tests.camdx_api.factories_api import (  # noqa: F401 - fixtures
    _english,
    api_service,
    applicant,
    approved_app,
    business,
    free_service,
    owner,
    paid_service,
)

pytestmark = pytest.mark.django_db(transaction=True)

XROAD_HEADERS = ("x-road-client", "x-road-service", "x-road-id", "x-road-request-id", "x-road-request-hash")
COMMITTED = Path(django_settings.BASE_DIR) / "docs" / "api" / "openapi-v1.yaml"


@pytest.fixture
def camdx(live_camdigikey, live_server, make_consumer, reference_rows, approved_app) -> dict:
    """The simulator's demo registry with the portal's services at live_server.url, a consumer allowed every
    code, its token, and the seeded application (with its document and timeline)."""
    camdx_demo.seed_registry()  # {base} = settings.ESB_PUBLIC_BASE_URL = live_server.url (use_live_sandbox)
    make_consumer()
    token = ministry_client().get_organization_access_token()
    return {
        "base": live_server.url,
        "security_server": f"{live_server.url}/sandbox/camdx/r1/{PROVIDER}",
        "auth": {"Authorization": f"Bearer {token}", "X-Road-Client": MOC_XROAD},
        "app": approved_app,
    }


def _calls(camdx: dict) -> list[tuple[str, str, str]]:
    """(service code, path after the service code with the query, the portal's own path) of each endpoint."""
    app = camdx["app"]
    single_id, request_no = app.business.single_id, app.reference
    document = app.documents.order_by("pk").first().document_type.code
    dates = "?start_date=2026-01-01&end_date=2026-12-31"
    return [
        ("applications_info", f"?search_term={single_id}", f"/api/v1/licenses?search_term={single_id}"),
        ("application_info", f"/{single_id}", f"/api/v1/licenses/{single_id}"),
        (
            "application_detail",
            f"/{single_id}/info/{request_no}",
            f"/api/v1/licenses/{single_id}/info/{request_no}",
        ),
        (
            "application_document",
            f"/{single_id}/document/{request_no}/{document}",
            f"/api/v1/licenses/{single_id}/document/{request_no}/{document}",
        ),
        (
            "application_timeline",
            f"/{single_id}/timeline/{request_no}",
            f"/api/v1/licenses/{single_id}/timeline/{request_no}",
        ),
        ("application_statistic", dates, f"/api/v1/statistic{dates}"),
        ("owner_statistic", "", "/api/v1/statistic/biz-owner/nationality"),
        ("system_health", "", "/health"),
    ]


def test_each_endpoint_answers_through_the_security_server_as_directly(camdx):
    calls = _calls(camdx)
    assert len(calls) == 8
    for code, rest, direct_path in calls:
        direct = requests.get(camdx["base"] + direct_path, headers=camdx["auth"], timeout=30)
        through = requests.get(f"{camdx['security_server']}/{code}{rest}", headers=camdx["auth"], timeout=30)
        assert direct.status_code == 200, (code, direct.content[:300])
        assert through.status_code == 200, (code, through.content[:300])
        assert "X-Road-Error" not in through.headers
        if code == "system_health":  # a live probe: the same components, each one ok
            assert through.json()["components"].keys() == direct.json()["components"].keys()
            assert through.json()["code"] == direct.json()["code"] == 200
        else:
            assert through.content == direct.content, code
        assert through.headers["Content-Type"] == direct.headers["Content-Type"], code
        for name in XROAD_HEADERS:
            assert through.headers.get(name), (code, name)
        assert through.headers["x-road-client"] == MOC_XROAD
        assert through.headers["x-road-service"] == f"{PROVIDER}/{code}"
        if code == "system_health":
            continue  # the health probe is not a Part 5 door call: no ApiCall row
        row = ApiCall.objects.get(xroad_request_id=through.headers["x-road-request-id"])
        assert row.xroad_id == through.headers["x-road-id"]
        assert row.xroad_client == MOC_XROAD
        assert (row.service_code, row.status_code) == (code, 200)


def test_the_security_server_keeps_the_consumers_message_id(camdx):
    single_id = camdx["app"].business.single_id
    response = requests.get(
        f"{camdx['security_server']}/application_info/{single_id}",
        headers={**camdx["auth"], "X-Road-Id": "moc-0000042"},
        timeout=30,
    )
    assert response.status_code == 200
    assert response.headers["x-road-id"] == "moc-0000042"
    assert ApiCall.objects.get(xroad_id="moc-0000042").service_code == "application_info"


def _xroad_error(response: requests.Response, error_type: str, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response.headers["X-Road-Error"] == error_type
    body = response.json()
    assert body["type"] == error_type and body["message"] and body["detail"]


def test_the_security_servers_own_refusals_carry_the_xroad_error_type(camdx):
    url = f"{camdx['security_server']}/application_info/{camdx['app'].business.single_id}"
    token = {"Authorization": camdx["auth"]["Authorization"]}
    calls_before = ApiCall.objects.count()

    unknown = requests.get(
        url, headers={**token, "X-Road-Client": "CAMBODIA/GOV/NOBODY-0000/NONE"}, timeout=30
    )
    _xroad_error(unknown, "Server.ClientProxy.UnknownMember", 500)

    denied = requests.get(url, headers={**token, "X-Road-Client": OUTSIDER}, timeout=30)
    _xroad_error(denied, "Server.ServerProxy.AccessDenied", 500)

    bad_path = requests.get(
        f"{camdx['base']}/sandbox/camdx/r1/CAMBODIA/GOV", headers=camdx["auth"], timeout=30
    )
    _xroad_error(bad_path, "Client.BadRequest", 400)

    unknown_service = requests.get(
        f"{camdx['security_server']}/no_such_service", headers=camdx["auth"], timeout=30
    )
    _xroad_error(unknown_service, "Server.ServerProxy.UnknownService", 500)

    SimXRoadService.objects.filter(service_code="application_info").update(
        url=f"http://127.0.0.1:{free_port()}/api/v1/licenses"  # the provider's system is down
    )
    down = requests.get(url, headers=camdx["auth"], timeout=30)
    _xroad_error(down, "Server.ServerProxy.NetworkError", 500)

    assert ApiCall.objects.count() == calls_before  # none of these reached the portal's door


def test_get_openapi_returns_the_committed_document(camdx):
    response = requests.get(
        f"{camdx['security_server']}/getOpenAPI",
        params={"serviceCode": "applications_info"},
        headers={"X-Road-Client": MOC_XROAD},
        timeout=30,
    )
    assert response.status_code == 200, response.content[:300]
    assert response.content == COMMITTED.read_bytes()
