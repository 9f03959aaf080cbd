"""The OpenAPI document and its pages: the committed docs/api/openapi-v1.yaml is what the code generates
(regenerate with `make openapi`), every Part 5 path is in it with bearer auth, and the documentation pages
work under the portal's Content Security Policy with assets from our own origin."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db
COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi-v1.yaml"
PART5_PATHS = {
    "/api/v1/licenses": "applications_info",
    "/api/v1/licenses/{single_id}": "application_info",
    "/api/v1/licenses/{single_id}/info/{request_no}": "application_detail",
    "/api/v1/licenses/{single_id}/document/{request_no}/{document_code}": "application_document",
    "/api/v1/licenses/{single_id}/timeline/{request_no}": "application_timeline",
    "/api/v1/statistic": "application_statistic",
    "/api/v1/statistic/biz-owner/nationality": "owner_statistic",
    "/health": "system_health",
}


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert generated.read_text() == COMMITTED.read_text(), (
        "run `make openapi` and commit docs/api/openapi-v1.yaml"
    )


def test_every_part5_operation_is_documented_with_its_service_code():
    schema = yaml.safe_load(COMMITTED.read_text())
    for path, service_code in PART5_PATHS.items():
        operation = schema["paths"][path]["get"]
        assert operation["operationId"] == service_code
        if path != "/health":
            assert operation["security"] == [{"camdigikeyOrganizationToken": []}]
            assert {"401", "403", "429"} <= set(operation["responses"])
    assert schema["components"]["securitySchemes"]["camdigikeyOrganizationToken"]["scheme"] == "bearer"
    assert "security" not in schema["paths"]["/api/v1/codes"]["get"] or schema["paths"]["/api/v1/codes"][
        "get"
    ]["security"] in ([], [{}])


def test_schema_and_pages_are_public(client):
    assert client.get("/api/v1/schema/").status_code == 200
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        response = client.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "googleapis" not in html and "cdn." not in html
        assert "/static/drf_spectacular_sidecar/" in html
        policy = response["Content-Security-Policy"]
        assert (
            "script-src 'self'" in policy
            and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        )
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "blob:" in client.get("/api/v1/redoc/")["Content-Security-Policy"]


def test_served_schema_is_the_committed_one(client):
    response = client.get("/api/v1/schema/")
    assert yaml.safe_load(response.content) == yaml.safe_load(COMMITTED.read_text())
