"""The CamDX simulator's metaservices (listClients, listMethods, allowedMethods, getOpenAPI), its demo
registry and its registry page."""

from __future__ import annotations

import json

import pytest

from esb.management.commands.seed_demo_data import manifest
from sandbox.camdx import demo, testing
from sandbox.camdx.models import SimXRoadAccessRight, SimXRoadMember, SimXRoadService, SimXRoadSubsystem

PORTAL = "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/ESB_PORTAL"
PART5 = {
    "applications_info",
    "application_info",
    "application_detail",
    "application_document",
    "application_timeline",
    "application_statistic",
    "owner_statistic",
    "system_health",
}


@pytest.fixture
def seeded(db, settings):
    settings.ESB_PUBLIC_BASE_URL = "http://portal.test"
    demo.seed()


def get(client, path: str, who: str | None = testing.CONSUMER, **extra):
    if who is not None:
        extra["HTTP_X_ROAD_CLIENT"] = who
    return client.get(path, **extra)


def test_demo_registry_matches_the_shared_identifiers(seeded):
    portal = SimXRoadSubsystem.objects.get(member__member_code="ESB-2026-0001", subsystem_code="ESB_PORTAL")
    services = {service.service_code: service.url for service in portal.services.all()}
    assert set(services) == PART5
    assert services["applications_info"] == "http://portal.test/api/v1/licenses"
    assert services["owner_statistic"] == "http://portal.test/api/v1/statistic/biz-owner/nationality"
    assert services["system_health"] == "http://portal.test/health"
    moc = SimXRoadAccessRight.objects.filter(client__subsystem_code="MOC_LICENSING")
    assert {right.service.service_code for right in moc} == PART5
    obr = SimXRoadService.objects.get(provider__subsystem_code="OBR_REGISTRY", service_code="business_info")
    assert obr.url == "http://portal.test/sandbox/obr/api/v1/businesses"
    assert obr.access_rights.get().client.identifier == testing.PROVIDER
    assert not SimXRoadAccessRight.objects.filter(client__member__member_class="COM").exists()


def test_demo_is_idempotent(seeded):
    counts = (
        SimXRoadMember.objects.count(),
        SimXRoadService.objects.count(),
        SimXRoadAccessRight.objects.count(),
    )
    demo.seed()
    assert counts == (
        SimXRoadMember.objects.count(),
        SimXRoadService.objects.count(),
        SimXRoadAccessRight.objects.count(),
    )
    assert counts == (3, 9, 9)


def test_seed_demo_data_runs_the_camdx_step():
    steps = [name for name, _function in manifest()[0]]
    assert steps.index("sandbox.camdx.demo.seed") == steps.index("sandbox.demo.seed") + 1


def test_list_clients_shape_and_instance_filter(client, seeded):
    response = client.get("/sandbox/camdx/listClients", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    members = response.json()["member"]
    assert {
        "id": {
            "member_class": "GOV",
            "member_code": "MOC-2021-0001",
            "object_type": "SUBSYSTEM",
            "subsystem_code": "OBR_REGISTRY",
            "xroad_instance": "CAMBODIA",
        },
        "name": "Ministry of Commerce",
    } in members
    assert {
        "id": {
            "member_class": "COM",
            "member_code": "CAMDEV-2026-0001",
            "object_type": "MEMBER",
            "xroad_instance": "CAMBODIA",
        },
        "name": "Demo Company Co., Ltd. (sandbox, no access rights)",
    } in members
    assert len(members) == 3 + 4
    assert client.get("/sandbox/camdx/listClients?xRoadInstance=CAMBODIA").json()["member"] == members
    assert client.get("/sandbox/camdx/listClients?xRoadInstance=EE").json() == {"member": []}


def test_list_methods_lists_every_service_with_endpoints(client, seeded):
    response = get(client, f"{PORTAL}/listMethods")
    assert response.status_code == 200
    services = response.json()["service"]
    assert {entry["service_code"] for entry in services} == PART5
    detail = next(entry for entry in services if entry["service_code"] == "application_detail")
    assert detail == {
        "member_class": "GOV",
        "member_code": "ESB-2026-0001",
        "object_type": "SERVICE",
        "service_code": "application_detail",
        "service_type": "OPENAPI",
        "subsystem_code": "ESB_PORTAL",
        "xroad_instance": "CAMBODIA",
        "endpoint_list": [{"method": "GET", "path": "/*/info/*"}],
    }


def test_allowed_methods_follow_the_access_rights(client, seeded):
    allowed = get(client, f"{PORTAL}/allowedMethods").json()["service"]
    assert {entry["service_code"] for entry in allowed} == PART5
    assert get(client, f"{PORTAL}/allowedMethods", who=testing.OUTSIDER).json() == {"service": []}
    health = SimXRoadService.objects.get(service_code="system_health")
    testing.allow(testing.OUTSIDER, health, method="GET", path="/")
    narrowed = get(client, f"{PORTAL}/allowedMethods", who=testing.OUTSIDER).json()["service"]
    assert [(entry["service_code"], entry["endpoint_list"]) for entry in narrowed] == [
        ("system_health", [{"method": "GET", "path": "/"}])
    ]


def test_metaservices_need_a_registered_client_and_provider(client, seeded):
    missing = get(client, f"{PORTAL}/allowedMethods", who=None)
    assert missing.status_code == 500
    assert missing["X-Road-Error"] == "Server.ClientProxy.InvalidClientIdentifier"
    unknown = get(client, f"{PORTAL}/listMethods", who="CAMBODIA/GOV/NOBODY/X")
    assert unknown["X-Road-Error"] == "Server.ClientProxy.UnknownMember"
    provider = get(client, "/sandbox/camdx/r1/CAMBODIA/GOV/ESB-2026-0001/NO_SUCH/listMethods")
    assert provider["X-Road-Error"] == "Server.ClientProxy.UnknownMember"


def test_get_openapi_serves_the_stored_document(client, seeded, tmp_path):
    document = tmp_path / "openapi.yaml"
    document.write_text(
        "openapi: 3.0.3\ninfo: {title: ESB Part 5, version: v1}\npaths: {}\n", encoding="utf-8"
    )
    SimXRoadService.objects.filter(service_code="system_health").update(openapi_path=str(document))
    response = get(client, f"{PORTAL}/getOpenAPI?serviceCode=system_health")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert response.content == document.read_bytes()


def test_get_openapi_errors(client, seeded, tmp_path):
    SimXRoadService.objects.filter(service_code="system_health").update(
        openapi_path=str(tmp_path / "missing.yaml")
    )
    missing_file = get(client, f"{PORTAL}/getOpenAPI?serviceCode=system_health")
    assert missing_file.status_code == 500
    assert missing_file["X-Road-Error"] == "Server.ServerProxy.InternalError"
    assert "missing.yaml" in json.loads(missing_file.content)["message"]
    no_code = get(client, f"{PORTAL}/getOpenAPI")
    assert no_code.status_code == 400
    assert no_code["X-Road-Error"] == "Client.BadRequest"
    unknown = get(client, f"{PORTAL}/getOpenAPI?serviceCode=nope")
    assert unknown["X-Road-Error"] == "Server.ServerProxy.UnknownService"
    rest_only = get(
        client,
        "/sandbox/camdx/r1/CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/getOpenAPI?serviceCode=business_info",
    )
    assert rest_only["X-Road-Error"] == "Server.ServerProxy.InternalError"


def test_registry_page_lists_members_services_and_rights(client, seeded):
    response = client.get("/sandbox/camdx/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "CAMBODIA/COM/CAMDEV-2026-0001" in page
    assert "http://portal.test/health" in page
    assert "CAMBODIA/GOV/MOC-2021-0001/OBR_REGISTRY/business_info" in page
